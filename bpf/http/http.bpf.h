/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * HTTP signal (part of bpf/sock/sock.bpf.c, which owns the socket hooks and calls
 * http__xfer and http__state from them): HTTP/1.x request latency from
 * socket transfers (plaintext) and from OpenSSL's SSL_read/SSL_write (TLS),
 * with no kprobes and no syscall tracepoints.
 *
 * - sock:sock_send_length / sock_recv_length fire inside sock_sendmsg /
 *   sock_recvmsg for every socket transfer (read, recv, write, send, sendfile
 *   on a socket), in the context of the syscall: the fd and the user buffer
 *   are that syscall's arguments, still in the task's saved user registers.
 *   Enabling a syscall tracepoint would put every task of the host on the
 *   syscall slow path; these fire only for socket I/O.
 * - Per connection a small state machine pairs a request with its response:
 *   IDLE -> REQ (request bytes) -> RESP (response bytes) -> emit -> IDLE.
 *   The role (server / client) is the direction of the first request seen,
 *   so sockets opened before the agent started work the same. Server:
 *   start = request's first bytes read, end = response's last byte written.
 *   Client: start = request written, end = response's first bytes read.
 *   The record leaves, plaintext: at the next request, at close, or when the
 *   response has been idle (http_idle, an iterator user space runs); TLS:
 *   when Content-Length, the last chunk or no body says the response is
 *   complete, else at the next request / close.
 * - State lives with the socket (socket local storage, found from the
 *   struct sock the tracepoint hands over: no hash, no fd-reuse checks, gone
 *   when the socket is freed). Two storages: a 4-byte verdict for every
 *   socket an allowed process moves bytes on (not HTTP yet / switched off /
 *   TLS), and the connection state, created at the first request. An HTTP
 *   socket costs one storage lookup per call, any other socket two.
 *   close()/shutdown() and resets are seen as TCP state changes
 *   (inet_sock_set_state), in whatever context they happen.
 * - TLS connections are reported by the SSL_* uprobes, which know the fd but
 *   not the socket: their state stays in a hash keyed by (tgid, fd), with the
 *   socket remembered to notice fd reuse.
 * - One ring event (struct ev_http) per completed request. Pipelining and the
 *   HTTP/2 preface count and turn the connection off: never a guessed pair.
 * - Only the bytes the state can use are copied from user memory: a request
 *   head (256), a status line (16; for TLS a response head of 512, scanned),
 *   a peek (8), or none for sendfile bodies.
 * - The process filter (pids / comms / cgroups, changeable at run time) is
 *   checked before any per-connection work: a verdict per tgid is cached
 *   until user space bumps the filter generation, the process execs or it
 *   exits (its pid may be reused).
 * - SSL_* uprobes see plaintext; the socket fd comes from the transfer made
 *   inside the SSL call on the same thread (or from the last fd seen for the
 *   same SSL*). The ciphertext seen on the socket is skipped.
 * - Latency breakdown (server side): at a request's first bytes read the
 *   reading thread's counters in sh_threads (kept by the CPU signal at each
 *   switch; shared map) are snapshotted into the connection, and at every
 *   response write the deltas are taken again; the event carries them. The
 *   slice in progress is added to on-CPU time at both ends, so the parts add
 *   up to the window. A response written by another thread (worker pool) or
 *   a thread with other requests in flight in the window (event loop) is
 *   flagged (HL_BD_HANDOFF / HL_BD_SHARED), never passed off as exact.
 *   Outbound requests add their latency to their thread's downstream_ns.
 *   Cost: one task storage lookup per request start and per response write.
 *   A request finished by another thread than the one that read it owes its
 *   release (req_inflight) to that thread through bd_owed.
 * - Subprograms are global functions: the verifier checks each once.
 */
#ifndef HOSTLENS_HTTP_BPF_H
#define HOSTLENS_HTTP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "bpf/common/helpers.bpf.h"
#include "bpf/common/threads.bpf.h"
#include "bpf/cpu/cpu.h"
#include "bpf/http/http.h"

/* the parts, in order: each uses what the ones before it define */
#include "bpf/http/http_maps.bpf.h"
#include "bpf/http/http_filter.bpf.h"
#include "bpf/http/http_parse.bpf.h"
#include "bpf/http/http_bd.bpf.h"
#include "bpf/http/http_conn.bpf.h"
#include "bpf/http/http_sock.bpf.h"
#include "bpf/http/http_tls.bpf.h"

#endif
