# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Writes the seed corpus of tests/fuzz/fuzz_elf.c: small shared objects,
64- and 32-bit, laid out like the crafted files of tests/unit/test_http_tls.c
(.text, .dynsym + .dynstr, .symtab + .strtab), each a few hundred bytes: a
real libssl is 700 KB, too big for a seed.

  python3 tests/fuzz/make_elf_seeds.py [DIR]   (default tests/fuzz/corpus/elf)
"""
import os
import struct
import sys

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_DYNSYM = 1, 2, 3, 11
STB_GLOBAL, STB_WEAK, STT_FUNC = 1, 2, 2
ET_DYN = 3


def elf(is64, dynsyms, symtab_syms, with_symtab=True):
    """dynsyms/symtab_syms: [(name, text offset or None for an import, bind)]"""
    text_off, text_addr, text_size = 0x40 if is64 else 0x34, 0x1000, 0x80

    def strtab(syms):
        blob, idx = b"\0", []
        for name, _, _ in syms:
            idx.append(len(blob))
            blob += name.encode() + b"\0"
        return blob, idx

    def symtab(syms, idx):
        out = b"\0" * (24 if is64 else 16)
        for (name, off, bind), n in zip(syms, idx):
            info = (bind << 4) | STT_FUNC
            shndx = 0 if off is None else 1
            value = 0 if off is None else text_addr + off
            if is64:
                out += struct.pack("<IBBHQQ", n, info, 0, shndx, value, 8)
            else:
                out += struct.pack("<IIIBBH", n, value, 8, info, 0, shndx)
        return out

    body = b"\0" * text_size
    dstr, didx = strtab(dynsyms)
    dsym = symtab(dynsyms, didx)
    sstr, sidx = strtab(symtab_syms)
    ssym = symtab(symtab_syms, sidx)
    ehsz = 64 if is64 else 52
    pos = ehsz + len(body)
    secs = [None, (SHT_PROGBITS, text_addr, text_off, text_size, 0, 0)]
    blobs = b""
    for kind, data, link, ent in ((SHT_DYNSYM, dsym, 3, 24 if is64 else 16), (SHT_STRTAB, dstr, 0, 0),
                                  (SHT_SYMTAB, ssym, 5, 24 if is64 else 16), (SHT_STRTAB, sstr, 0, 0)):
        if not with_symtab and kind == SHT_SYMTAB:
            data = b""
        secs.append((kind, 0, pos + len(blobs), len(data), link, ent))
        blobs += data
    if not with_symtab:
        secs = secs[:4]
    shoff = pos + len(blobs)
    shdrs = b""
    for s in secs:
        if s is None:
            shdrs += b"\0" * (64 if is64 else 40)
            continue
        kind, addr, off, size, link, ent = s
        if is64:
            shdrs += struct.pack("<IIQQQQIIQQ", 0, kind, 0, addr, off, size, link, 0, 1, ent)
        else:
            shdrs += struct.pack("<IIIIIIIIII", 0, kind, 0, addr, off, size, link, 0, 1, ent)
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1, 1]) + b"\0" * 9
    if is64:
        eh = ident + struct.pack("<HHIQQQIHHHHHH", ET_DYN, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64,
                                 len(secs), 0)
    else:
        eh = ident + struct.pack("<HHIIIIIHHHHHH", ET_DYN, 3, 1, 0, 0, shoff, 0, 52, 0, 0, 40,
                                 len(secs), 0)
    return eh + body + blobs + shdrs


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "elf")
    os.makedirs(out, exist_ok=True)
    full_dyn = [("SSL_write", 0x10, STB_GLOBAL), ("SSL_read", 0x20, STB_WEAK), ("SSL_read", 0x30, STB_GLOBAL),
                ("SSL_read_ex", None, STB_GLOBAL)]
    full_sym = [("SSL_write_ex@@OPENSSL_3.0.0", 0x40, STB_GLOBAL)]
    seeds = {
        "elf64_so": elf(True, full_dyn, full_sym),
        "elf32_so": elf(False, full_dyn, full_sym),
        "elf64_dynsym_only": elf(True, [(n, 0x10 * (i + 1), STB_GLOBAL) for i, n in
                                        enumerate(("SSL_write", "SSL_read", "SSL_write_ex", "SSL_read_ex"))],
                                 [], with_symtab=False),
        "elf64_ambiguous": elf(True, [("SSL_read", 0x10, STB_GLOBAL), ("SSL_read", 0x20, STB_GLOBAL)], []),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
