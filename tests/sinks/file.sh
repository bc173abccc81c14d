#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# File sink: rotation by size and by age, gzip of rotated files readable with
# every record exactly once, the kept count, fsync=always, a clear error for
# a directory that cannot be written, and a full disk (spool fails too) that
# recovers without losing or repeating a record.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sinks.lib"
[ -x "$DRIVER" ] || { fail file_setup "$DRIVER not built"; finish; }

all_lines() { # DIR: every record line of the current and rotated files
	for f in "$1"/records-*.ndjson.gz; do [ -f "$f" ] && gzip -dc "$f"; done
	for f in "$1"/records-*.ndjson; do [ -f "$f" ] && cat "$f"; done
	cat "$1/records.ndjson"
}

# 1. Size rotation with gzip: 20 batches x 50 records of ~300 bytes, rotate at 32 KiB.
D=$TMPD/f1
"$DRIVER" --set data-dir="$D" --set file-rotate-bytes=32K --set file-gzip=true --set file-keep=1000 \
	--batches 20 --records 50 --pad 150 --ids "$D.ids" >"$D.out" 2>"$D.err"
ngz=$(ls "$D" | grep -c '^records-.*\.ndjson\.gz$')
nplain=$(ls "$D" | grep -c '^records-.*\.ndjson$')
bad=0; for f in "$D"/records-*.gz; do gzip -t "$f" || bad=$((bad + 1)); done
if [ "$ngz" -ge 5 ] && [ "$nplain" = 0 ] && [ "$bad" = 0 ]; then ok file_rotation_gzip_readable
else fail file_rotation_gzip_readable ">= 5 valid .gz rotated files, none plain; got $ngz gz ($bad bad), $nplain plain"; fi
all_lines "$D" | ids_of >"$D.got"
sort "$D.ids" >"$D.want"
check file_every_record_once_across_rotation cmp -s "$D.got" "$D.want"

# 2. Kept count: only the newest 2 rotated files stay.
D=$TMPD/f2
"$DRIVER" --set data-dir="$D" --set file-rotate-bytes=8K --set file-keep=2 --batches 10 --records 20 \
	--pad 200 >"$D.out" 2>"$D.err"
check file_keep_count [ "$(ls "$D" | grep -c '^records-')" = 2 ]

# 3. Age rotation: batches 1.2 s apart with a 1 s limit.
D=$TMPD/f3
"$DRIVER" --set data-dir="$D" --set file-rotate-seconds=1 --set file-fsync=always --batches 3 \
	--records 5 --interval-ms 1200 --ids "$D.ids" >"$D.out" 2>"$D.err"
n=$(ls "$D" | grep -c '^records-.*\.ndjson$')
all_lines "$D" | ids_of >"$D.got"; sort "$D.ids" >"$D.want"
if [ "$n" = 2 ] && cmp -s "$D.got" "$D.want"; then ok file_rotation_by_age
else fail file_rotation_by_age "2 rotated files and all 15 records, got $n files, $(wc -l <"$D.got") records"; fi

# 4. A directory that cannot be written: a clear error, exit status 2.
mkdir -p "$TMPD/f4"; : >"$TMPD/f4/plainfile"
"$DRIVER" --set data-dir="$TMPD/f4/plainfile/sub" --batches 1 >"$TMPD/f4.out" 2>"$TMPD/f4.err"
rc=$?
if [ $rc = 2 ] && grep -q "file: cannot create --data-dir $TMPD/f4/plainfile/sub: Not a directory" "$TMPD/f4.err"
then ok file_unwritable_dir_clear_error
else fail file_unwritable_dir_clear_error "exit 2 and 'cannot create --data-dir', got $rc: $(cat "$TMPD/f4.err")"; fi

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	skip file_readonly_dir_clear_error "needs root for a read-only mount"
	skip file_disk_full_recovers "needs root for a small tmpfs"
	finish
fi
# 5. Read-only filesystem (root ignores permission bits, not EROFS).
unshare -m sh -c "mount --make-rprivate / && mkdir -p '$TMPD/ro' && mount -t tmpfs -o ro,size=1m tmpfs '$TMPD/ro' &&
	'$DRIVER' --set data-dir='$TMPD/ro' --batches 1" >"$TMPD/f5.out" 2>"$TMPD/f5.err"
rc=$?
if [ $rc = 2 ] && grep -q "file: cannot write $TMPD/ro/records.ndjson: Read-only file system (is --data-dir writable?)" "$TMPD/f5.err"
then ok file_readonly_dir_clear_error
else fail file_readonly_dir_clear_error "exit 2 and 'cannot write ... Read-only file system', got $rc: $(cat "$TMPD/f5.err")"; fi

# 6. Disk full: a 160 KiB tmpfs fills up (the spool on it too), then grows.
D=$TMPD/full
mkdir -p "$D"
unshare -m sh -c "mount --make-rprivate / && mount -t tmpfs -o size=160k tmpfs '$D' &&
	( '$DRIVER' --set data-dir='$D/data' --set file-fsync=never --batches 40 --records 20 --pad 300 \
		--interval-ms 50 --ids '$TMPD/full.ids' --stats '$TMPD/full.stats' --drain-s 30 & dp=\$!
	  sleep 2.5; cp '$TMPD/full.stats' '$TMPD/full.stats.during'; mount -o remount,size=8m '$D'; wait \$dp )
	cp '$D/data/records.ndjson' '$TMPD/full.records'" >"$TMPD/full.out" 2>"$TMPD/full.err"
ids_of <"$TMPD/full.records" >"$TMPD/full.got"; sort "$TMPD/full.ids" >"$TMPD/full.want"
err=$(stat_of "$TMPD/full.stats.during" file last_error)
failed=$(stat_of "$TMPD/full.stats.during" file failed)
case $err in *"No space left on device"*) e=1 ;; *) e=0 ;; esac
if [ "$e" = 1 ] && [ "$failed" -gt 0 ] && cmp -s "$TMPD/full.got" "$TMPD/full.want"; then ok file_disk_full_recovers
else fail file_disk_full_recovers "ENOSPC seen and counted, then all 800 records once; got error '$err', failed=$failed, $(wc -l <"$TMPD/full.got") records ($(uniq -d "$TMPD/full.got" | wc -l) repeated)"; fi
finish
