// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Redis RESP heads (user/db/db_parse.h). A command is an array of bulk
 * strings, "*<n>\r\n$<len>\r\n<name>\r\n..."; its name, uppercased, is the
 * operation (a name of other characters or longer than REDIS_NAME_MAX is
 * "other"); its arguments are never kept. The command's length is summed
 * from the bulk headers while they are in the head: a request longer than
 * its first command, or an answer read with more bytes than its first
 * reply, is a pipeline. Errors: a reply starting with '-'.
 */
#include <ctype.h>
#include <string.h>

#include "user/db/db_parse.h"

#define REDIS_NAME_MAX 20

static void set_op(struct db_parsed *out, uint8_t status, const char *op)
{
	out->status = status;
	strncpy(out->op, op, sizeof(out->op) - 1);
	out->op[sizeof(out->op) - 1] = '\0';
}

/* the decimal at b[*i..n) up to "\r\n"; -1 when malformed or cut */
static long long resp_num(const uint8_t *b, size_t n, size_t *i)
{
	long long v = 0;
	bool neg = false, digits = false;

	if (*i < n && b[*i] == '-') {
		neg = true;
		(*i)++;
	}
	while (*i < n && isdigit(b[*i])) {
		if (v > (1ll << 40))
			return -2;
		v = v * 10 + (b[*i] - '0');
		digits = true;
		(*i)++;
	}
	if (!digits || *i + 1 >= n || b[*i] != '\r' || b[*i + 1] != '\n')
		return -2;
	*i += 2;
	return neg ? -v : v;
}

/* bytes of the first reply in resp[0..n), 0 when not known from the head */
static size_t reply_len(const uint8_t *r, size_t n)
{
	size_t i = 1;
	long long v;

	if (!n)
		return 0;
	switch (r[0]) {
	case '+':
	case '-':
	case ':': {
		const uint8_t *e = memchr(r, '\n', n);

		return e ? (size_t)(e - r) + 1 : 0;
	}
	case '$':
		v = resp_num(r, n, &i);
		if (v < -1)
			return 0;
		return v < 0 ? i : i + (size_t)v + 2;
	}
	return 0;
}

void db_redis_parse(const uint8_t *req, size_t req_len, uint64_t req_total, const uint8_t *resp,
		    size_t resp_len, struct db_parsed *out)
{
	char name[REDIS_NAME_MAX + 1];
	size_t i = 1, k = 0, rl;
	long long n, len;
	bool known = true;

	memset(out, 0, sizeof(*out));
	set_op(out, DB_UNPARSED, "other");
	if (!req || !req_len)
		return;
	if (req_total < req_len)
		req_total = req_len;
	out->error = resp && resp_len && resp[0] == '-';
	if (req[0] != '*') {
		/* inline command: "PING\r\n" */
		while (k < req_len && k <= REDIS_NAME_MAX && isalpha(req[k]))
			k++;
		if (!k || k > REDIS_NAME_MAX || (k < req_len && req[k] != ' ' && req[k] != '\r'))
			return;
		for (size_t j = 0; j < k; j++)
			name[j] = (char)toupper(req[j]);
		name[k] = '\0';
		set_op(out, DB_OP, name);
		return;
	}
	n = resp_num(req, req_len, &i);
	if (n < 1 || n > (1 << 20))
		return;
	if (i >= req_len || req[i] != '$')
		return;
	i++;
	len = resp_num(req, req_len, &i);
	if (len < 1)
		return;
	if (len <= REDIS_NAME_MAX && i + (size_t)len <= req_len) {
		for (k = 0; k < (size_t)len; k++) {
			uint8_t c = req[i + k];

			if (!isalnum(c) && c != '_' && c != '-' && c != '.' && c != '|')
				break;
			name[k] = (char)toupper(c);
		}
		name[k] = '\0';
		set_op(out, DB_OP, k == (size_t)len ? name : "other");
	} else {
		set_op(out, DB_OP, "other");
	}
	/* the whole command's length, while its bulk headers are in the head */
	i += (size_t)len + 2;
	for (long long a = 1; a < n && known; a++) {
		if (i >= req_len || req[i] != '$') {
			known = false;
			break;
		}
		i++;
		len = resp_num(req, req_len, &i);
		if (len < 0)
			known = false;
		else
			i += (size_t)len + 2;
	}
	if (known && i < req_total)
		out->status = DB_PIPELINE;
	rl = resp ? reply_len(resp, resp_len) : 0;
	if (rl && rl < resp_len)
		out->status = DB_PIPELINE; /* more replies in the same read */
}
