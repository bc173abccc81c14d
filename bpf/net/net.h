/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Shared by bpf/net/ and user space (fixed-width types only):
 * network: TCP connection closes, per-process bytes and counters. */
#ifndef HOSTLENS_NET_H
#define HOSTLENS_NET_H

#include "bpf/common/events.h"

enum hl_tcp_role {
	HL_ROLE_UNKNOWN = 0, /* connection older than the agent */
	HL_ROLE_CLIENT = 1,  /* connect() */
	HL_ROLE_SERVER = 2,  /* accept() */
};

/* One per TCP socket reaching TCP_CLOSE. The header's pid/tgid/cgroup are the
 * owner's (who connected or accepted), 0 when unknown: at close the current
 * task is often a softirq. */
struct ev_tcp_close {
	struct event_hdr h;
	__u64 start_ns;	   /* 0: opened before the agent started */
	__u64 duration_ns; /* valid only when start_ns != 0 */
	/* RFC 4898 counters of the socket; they count sequence space, so a
	 * SYN (client) and FINs add up to 2 to the data bytes */
	__u64 tx_bytes;	   /* tcp_sock bytes_acked */
	__u64 rx_bytes;	   /* tcp_sock bytes_received */
	__u32 retransmits; /* tcp_sock total_retrans */
	__u16 family;	   /* AF_INET / AF_INET6 */
	__u16 sport;	   /* host order */
	__u16 dport;
	__u8 role;	/* enum hl_tcp_role */
	__u8 oldstate;	/* state before TCP_CLOSE (SYN_SENT: failed connect) */
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char comm[HL_COMM_LEN]; /* owner's, "" when unknown */
	__u32 pad;
};

/* Per process socket traffic and TCP trouble (key tgid). */
struct net_proc {
	__u64 tx_bytes; /* sock_send_length, AF_INET/AF_INET6 */
	__u64 rx_bytes; /* sock_recv_length, AF_INET/AF_INET6 */
	__u64 retransmits;
	__u64 resets_sent;
	__u64 resets_received;
	char comm[HL_COMM_LEN];
};

/* Host-wide counters (per-CPU array, one slot each). */
enum hl_net_counter {
	HL_NET_RETRANSMITS = 0,
	HL_NET_RESETS_SENT = 1,
	HL_NET_RESETS_RECEIVED = 2,
	HL_NET_OPEN_ACTIVE = 3,	 /* SYN_SENT */
	HL_NET_OPEN_PASSIVE = 4, /* SYN_RECV */
	HL_NET_CLOSED = 5,
	HL_NET_TX_BYTES = 6,
	HL_NET_RX_BYTES = 7,
	HL_NET_LIVE = 8, /* a gauge: +1 per connection opened, -1 at its close */
	HL_NET_COUNTERS = 9,
};

#endif
