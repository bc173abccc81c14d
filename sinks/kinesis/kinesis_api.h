/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Kinesis wire protocol: the PutRecords request body and its answer. Apart
 * from the sink glue (kinesis.c) so unit tests can check both without a
 * network.
 */
#ifndef HOSTLENS_KINESIS_API_H
#define HOSTLENS_KINESIS_API_H

#include <stddef.h>

#include "user/pipeline/record.h"

#define KINESIS_MAX_RECORDS 500
#define KINESIS_MAX_BYTES (5u << 20)  /* data + partition keys, a call */
#define KINESIS_MAX_RECORD (1u << 20) /* data + partition key, a record */
#define KINESIS_MAX_KEY 256

/* The partition key of r: fixed when set, else the record's source
 * ("hostlens" when empty), cut to 256 bytes. Returns its length. */
size_t kinesis_partition_key(const struct record *r, const char *fixed, char *out, size_t len);

/* PutRecords JSON body (malloc'd, caller frees) or NULL on ENOMEM. */
char *kinesis_put_body(const char *stream, const struct record_batch *b, const char *fixed_key,
		       size_t *len);

/*
 * Reads a PutRecords answer for n records: sets mark[i] = 1 for each record
 * delivered, leaves failed ones 0, counts them in *failed and copies the
 * first ErrorCode into code. 0 or -EPROTO when the answer does not match.
 */
int kinesis_parse_put(const char *resp, size_t len, size_t n, unsigned char *mark, size_t *failed,
		      char *code, size_t codelen);

#endif
