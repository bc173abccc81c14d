/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Shared by bpf/db/ and user space (fixed-width types only): one event per
 * database request paired with its response, the counters of the socket
 * programs' database part. */
#ifndef HOSTLENS_DB_H
#define HOSTLENS_DB_H

#include "bpf/common/events.h"

#define HL_DB_REQ_HEAD 64  /* request bytes carried: enough for a statement kind or command */
#define HL_DB_RESP_HEAD 32 /* response bytes carried: enough for the error marker */

enum hl_db_system {
	HL_DB_NONE = 0,
	HL_DB_POSTGRES = 1,
	HL_DB_MYSQL = 2,
	HL_DB_REDIS = 3,
	HL_DB_SYSTEMS = 4,
};

enum hl_db_role {
	HL_DB_CLIENT = 1, /* this process sends the requests */
	HL_DB_SERVER = 2, /* this process answers them (a database on the host) */
};

/* ev_db.flags */
#define HL_DB_F_MULTI \
	0x01		   /* the request took several transfers before the first response
				 * byte (req_head gathers them while they fit) */
#define HL_DB_F_OPEN 0x02  /* no operation: the connection was classified (opened) */
#define HL_DB_F_CLOSE 0x04 /* no operation: the connection closed */

/*
 * One database operation: a request (what the client wrote, from its first
 * byte) paired with the first bytes of its response. Emitted at the
 * response's first bytes; latency = first response byte - first request byte.
 */
struct ev_db {
	struct event_hdr h; /* pid/tgid/comm: the process that made the request
				 * (client) or read it (server) */
	__u64 conn_id;	    /* connection identity for the agent's life (prepared statements) */
	__u64 start_ns;	    /* first request byte moved */
	__u64 latency_ns;   /* to the first response byte moved */
	__u64 req_bytes;    /* request bytes moved before the response */
	__u8 system;	    /* enum hl_db_system */
	__u8 role;	    /* enum hl_db_role */
	__u8 family;	    /* AF_INET / AF_INET6 */
	__u8 flags;	    /* HL_DB_F_* */
	__u16 peer_port;    /* the other end, host order */
	__u16 local_port;   /* this end, host order (server role: the listening port) */
	__u16 req_len;	    /* valid bytes in req_head */
	__u16 resp_len;	    /* valid bytes in resp_head */
	__u16 nwrites;	    /* request writes before the response (1 normally) */
	__u16 pad;
	__u8 peer_addr[16]; /* v4 in the first 4 bytes */
	__u8 local_addr[16];
	char comm[HL_COMM_LEN];
	__u8 req_head[HL_DB_REQ_HEAD];
	__u8 resp_head[HL_DB_RESP_HEAD];
};

/* Per-CPU counters of the database part of the socket programs (array `db_stats`). */
enum hl_db_stat {
	HL_DB_ST_OPS = 0,      /* ev_db emitted */
	HL_DB_ST_CONNS,	       /* connections classified as a database */
	HL_DB_ST_UNCLASSIFIED, /* TCP sockets whose first bytes were no database protocol */
	HL_DB_ST_ORPHAN_RESP,  /* response bytes with no request pending (greeting, push) */
	HL_DB_ST_UNANSWERED,   /* a request pending at close */
	HL_DB_ST_TLS,	       /* connections that turned TLS (not read here) */
	HL_DB_ST_NO_STORAGE,   /* a socket storage could not be had */
	HL_DB_ST_MAX = 8,
};

#endif
