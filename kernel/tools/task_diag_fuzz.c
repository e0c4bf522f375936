// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag_fuzz - malformed and random requests to the TASK_DIAG family, from
 * several processes and users at once, with every reply checked.
 *
 *   task_diag_fuzz [--seed S] [--requests N] [--workers W] [--uids U,U,...]
 *                  [--corpus FILE] [--reserved strict|lax] [--max-failures N]
 *                  [--progress N]
 *
 * Worker w (uid U[w % n]) draws its requests from an xorshift generator seeded
 * with S + w; all random choices of a request are drawn before it is sent, so
 * one seed gives the same request sequence on every run.  Worker 0 first
 * replays the corpus file, one request per line:
 *
 *   EXPECT HEX [# comment]
 *
 * EXPECT: "ok" (a reply without error, or a dump ending in NLMSG_DONE 0),
 * "none" (no reply at all), "any" (whatever reply, well-formed), or errno
 * names joined by '|' ("EINVAL|ERANGE").  HEX is the whole netlink message;
 * a zero nlmsg_type is replaced with the family id, the sequence number with
 * a fresh one.
 *
 * Every request must end in a clean errno (NLMSG_ERROR, NLMSG_DONE with
 * -errno, or a socket error such as ENOBUFS) or a well-formed dump: nlmsg and
 * attribute lengths inside their containers, the family's header, only the
 * groups requested, fixed-size groups at least as long as their struct, VMA
 * records inside the attribute, 8-byte aligned and ascending, CONT sequences
 * of one pid, pids ascending and never repeated, ONE/THREAD/CHILDREN replies
 * about the pid asked for.  Where a request has exactly one defect whose errno
 * the protocol defines, that errno is required.
 *
 * Output: "seed=S workers=W requests=N" first, then one summary line; with
 * --progress N, each worker also writes "progress worker=W requests=R
 * failures=F" after every N of its requests (one write each), so that a run
 * stopped from outside still says how far it got;
 * failures (at most --max-failures per worker) on stderr with the worker, its
 * request number, the reason and the request in hex.
 * Exit status: 0 clean, 1 a failure was seen, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/task_diag.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif

#define MAX_WORKERS 32
#define MAX_ERRNO 160
#define RBUF 70000
#define REQ_MAX 512
#define NLA_DATA(nla) ((void *)((char *)(nla) + NLA_HDRLEN))
#define REQ_GET_LEN (NLMSG_HDRLEN + GENL_HDRLEN + NLMSG_ALIGN(sizeof(struct task_diag_msg)) + \
		     NLA_HDRLEN + sizeof(struct task_diag_pid))

static const char *prog = "task_diag_fuzz";

/* ------------------------------------------------------------- statistics */

struct stats {
	uint64_t requests, corpus, dumps_ok, replies_ok, acks, tasks, msgs, cont_msgs;
	uint64_t noreply, truncated, late, closed_mid_dump, busy_probe, child_exits, enobufs;
	uint64_t exact_checked, failures;
	uint64_t err[MAX_ERRNO];
};

static struct stats *all_stats;		/* shared with the workers (MAP_SHARED) */
static struct stats *st;
static int worker_id, max_failures = 10;
static uint64_t progress_every;
static uint64_t iter;
/* nonzero reserved fields are EINVAL, as the uapi header says; --reserved lax also accepts a
 * dump for them (for modules older than that check) */
static int reserved_strict = 1, verbose;

/* ------------------------------------------------------------------ random */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

/* ---------------------------------------------------------------- netlink */

static uint16_t family;
static uint64_t served_groups = TASK_DIAG_SHOW_ALL, served_strategies = 0x1f;
static uint32_t seq_counter;
static uint32_t pid_max = 32768;
static pid_t worker_pids[MAX_WORKERS];
static int nworkers = 4;

struct sock {
	int fd;
	int ext_ack, cap_ack, strict_chk;
	uint32_t first_seq;	/* replies with older seqs than this are strays */
	int pending_dump;	/* an abandoned dump may still send messages */
	int out_of_sync;	/* replies were lost: what the socket still holds cannot be matched */
	uint32_t portid;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int open_sock(struct sock *s, int options)
{
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	s->first_seq = seq_counter + 1;
	if (!options)
		return 0;
	if (chance(30) && !setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)))
		s->ext_ack = 1;
	if (chance(20) && !setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		s->cap_ack = 1;
	if (chance(20) && !setsockopt(s->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one)))
		s->strict_chk = 1;
	if (chance(10)) {
		int sz = (int)below(9000);	/* the kernel raises it to its minimum */

		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (chance(10)) {
		struct sockaddr_nl a = { .nl_family = AF_NETLINK };

		bind(s->fd, (struct sockaddr *)&a, sizeof(a));
	}
	return 0;
}

static void close_sock(struct sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int send_raw(struct sock *s, const void *buf, size_t len)
{
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK };
	ssize_t n;

	do
		n = sendto(s->fd, buf, len, 0, (struct sockaddr *)&dst, sizeof(dst));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

/* recv one datagram: returns its real length (MSG_TRUNC), or -errno; waits at most once */
static ssize_t recv_one(struct sock *s, char *buf, size_t cap, int wait_ms)
{
	ssize_t n;

	for (;;) {
		n = recv(s->fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || wait_ms <= 0)
			return -errno;
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		int r = poll(&p, 1, wait_ms);

		if (r == 0)
			return -EAGAIN;
		if (r < 0 && errno != EINTR)
			return -errno;
		wait_ms = 0;
	}
}

/* the port id the kernel addresses its replies to */
static uint32_t own_portid(struct sock *s)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);

	if (!s->portid && !getsockname(s->fd, (struct sockaddr *)&a, &len))
		s->portid = a.nl_pid;
	return s->portid;
}

/* The family id and what the module serves, as root-independent setup. */
static void resolve(void)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		char buf[64];
	} req;
	static char buf[RBUF];
	struct sock s;
	struct nlattr *na;
	size_t nlen = strlen(TASK_DIAG_GENL_NAME) + 1;
	ssize_t n;

	if (open_sock(&s, 0))
		die("socket: %s", strerror(errno));
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = GENL_ID_CTRL;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = ++seq_counter;
	req.gh.cmd = CTRL_CMD_GETFAMILY;
	req.gh.version = 1;
	na = (struct nlattr *)req.buf;
	na->nla_type = CTRL_ATTR_FAMILY_NAME;
	na->nla_len = NLA_HDRLEN + nlen;
	memcpy(NLA_DATA(na), TASK_DIAG_GENL_NAME, nlen);
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(na->nla_len));
	if (send_raw(&s, &req, req.nh.nlmsg_len))
		die("sendto: %s", strerror(errno));
	n = recv_one(&s, buf, sizeof(buf), 10000);
	if (n < NLMSG_HDRLEN)
		die("no reply from the genl controller");
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;

	if (nh->nlmsg_type == NLMSG_ERROR)
		die("family %s not found (is the module loaded?)", TASK_DIAG_GENL_NAME);
	char *p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN, *end = buf + (nh->nlmsg_len < n ? nh->nlmsg_len : n);

	while (p + NLA_HDRLEN <= end) {
		na = (struct nlattr *)p;
		if (na->nla_len < NLA_HDRLEN || p + na->nla_len > end)
			break;
		if ((na->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			family = *(uint16_t *)NLA_DATA(na);
		p += NLA_ALIGN(na->nla_len);
	}
	if (!family)
		die("no family id in the controller's reply");

	/* GET_INFO: which groups and strategies are served (others are EOPNOTSUPP) */
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		struct task_diag_msg fam;
	} gi;
	memset(&gi, 0, sizeof(gi));
	gi.nh.nlmsg_len = sizeof(gi);
	gi.nh.nlmsg_type = family;
	gi.nh.nlmsg_flags = NLM_F_REQUEST;
	gi.nh.nlmsg_seq = ++seq_counter;
	gi.gh.cmd = TASK_DIAG_CMD_GET_INFO;
	gi.gh.version = TASK_DIAG_GENL_VERSION;
	if (send_raw(&s, &gi, sizeof(gi)))
		die("sendto: %s", strerror(errno));
	n = recv_one(&s, buf, sizeof(buf), 10000);
	nh = (struct nlmsghdr *)buf;
	if (n >= (ssize_t)NLMSG_HDRLEN && nh->nlmsg_type == family && nh->nlmsg_len <= n) {
		p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN + NLMSG_ALIGN(sizeof(struct task_diag_msg));
		end = buf + nh->nlmsg_len;
		while (p + NLA_HDRLEN <= end) {
			na = (struct nlattr *)p;
			if (na->nla_len < NLA_HDRLEN || p + na->nla_len > end)
				break;
			if ((na->nla_type & NLA_TYPE_MASK) == TASK_DIAG_INFO_ATTR &&
			    na->nla_len >= NLA_HDRLEN + sizeof(struct task_diag_info)) {
				struct task_diag_info info;

				memcpy(&info, NLA_DATA(na), sizeof(info));
				served_groups = info.show_flags & TASK_DIAG_SHOW_ALL;
				served_strategies = info.strategies;
			}
			p += NLA_ALIGN(na->nla_len);
		}
	}
	close_sock(&s);

	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");

	if (f) {
		if (fscanf(f, "%u", &pid_max) != 1)
			pid_max = 32768;
		fclose(f);
	}
}

/* ---------------------------------------------------------------- requests */

enum expect_kind { EXP_ANY, EXP_OK, EXP_NONE, EXP_ERR };

/* a set of errnos below 128 */
typedef unsigned __int128 errset;
#define B(e) ((errset)1 << (e))

struct expect {
	enum expect_kind kind;
	errset errs;		/* EXP_ERR: the errnos allowed */
	int allow_ok;		/* EXP_ERR: success is acceptable too */
};

struct part {
	uint32_t seq;
	int is_dump;		/* a well-formed GET dump request (content is checked) */
	uint64_t flags, strategy;
	uint32_t pid;
	struct expect exp;
	/* outcome */
	int resolved, error, done_seen, got_reply;
	/* dump state */
	uint32_t last_pid, cont_pid;
	int in_cont, have_last, ntasks, last_attr;
	uint64_t cont_vma_end;
	int unchecked;		/* a datagram was truncated: content checks off */
	int saw_trunc;		/* one of its messages was cut by a small receive buffer */
	uint32_t group;		/* THREAD: tgid of the first task; CHILDREN: its parent */
};

struct request {
	unsigned char buf[REQ_MAX] __attribute__((aligned(8)));
	size_t len;		/* bytes sent */
	const char *kind;
	int nparts;
	struct part parts[3];
	/* receive plan */
	size_t rcvbuf;		/* receive buffer size per recv */
	int abandon_after;	/* -1: read everything; else close after N datagrams */
	int busy_probe_after;	/* -1: none; else send a second request after N datagrams */
	int in_child;		/* a forked child sends it and exits part-way */
};

static const char *errname(int e)
{
	static char b[16];

	switch (e) {
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case ESRCH: return "ESRCH";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EBUSY: return "EBUSY";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENOBUFS: return "ENOBUFS";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOMEM: return "ENOMEM";
	case EINTR: return "EINTR";
	case EFAULT: return "EFAULT";
	case EPROTO: return "EPROTO";
	case E2BIG: return "E2BIG";
	}
	snprintf(b, sizeof(b), "E%d", e);
	return b;
}

static int errno_by_name(const char *s)
{
	static const int known[] = { EINVAL, ERANGE, ESRCH, EOPNOTSUPP, EBUSY, EPERM, EACCES, ENOENT,
				     ENOBUFS, EMSGSIZE, ENOMEM, EINTR, EFAULT, EPROTO, E2BIG };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (!strcmp(errname(known[i]), s))
			return known[i];
	return 0;
}

/* errnos any malformed request may end in */
static const errset CLEAN = B(EINVAL) | B(ERANGE) | B(EOPNOTSUPP) | B(ESRCH) | B(EBUSY) | B(EPERM) |
			      B(EACCES) | B(EMSGSIZE) | B(ENOENT) | B(E2BIG);

static struct request *cur_req;

static const char *errset_names(errset e)
{
	static char b[256];
	size_t n = 0;

	b[0] = 0;
	for (int i = 1; i < 128 && n < sizeof(b) - 16; i++)
		if (e & B(i))
			n += snprintf(b + n, sizeof(b) - n, "%s%s", n ? "|" : "", errname(i));
	return b;
}

static struct request prev_req;

static size_t hex_into(char *out, size_t cap, const unsigned char *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 3 < cap; i++)
		k += snprintf(out + k, cap - k, "%02x", p[i]);
	return k;
}

/* One write per failure, so the workers' lines do not interleave. */
static void failure(const char *fmt, ...)
{
	char line[8192];
	size_t k;
	va_list ap;

	st->failures++;
	if (st->failures > (uint64_t)max_failures)
		return;
	k = snprintf(line, sizeof(line), "FAIL worker=%d uid=%d request=%" PRIu64 " kind=%s: ", worker_id,
		     (int)getuid(), iter, cur_req ? cur_req->kind : "?");
	va_start(ap, fmt);
	k += vsnprintf(line + k, sizeof(line) - k, fmt, ap);
	va_end(ap);
	if (cur_req && k < sizeof(line)) {
		k += snprintf(line + k, sizeof(line) - k, " | rcvbuf %zu, sent %zu bytes: ", cur_req->rcvbuf,
			      cur_req->len);
		k += hex_into(line + k, sizeof(line) - k, cur_req->buf, cur_req->len);
		if (prev_req.kind && k < sizeof(line))
			k += snprintf(line + k, sizeof(line) - k, " | previous request %s: ", prev_req.kind);
		k += hex_into(line + k, sizeof(line) - k, prev_req.buf, prev_req.kind ? prev_req.len : 0);
	}
	if (k > sizeof(line) - 2)
		k = sizeof(line) - 2;
	line[k++] = '\n';
	if (write(2, line, k) < 0)
		return;
}

static uint32_t pick_pid(void)
{
	switch (below(14)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 2;
	case 3: case 4: return getpid();
	case 5: return getppid();
	case 6: case 7: return worker_pids[below(nworkers)];
	case 8: return (uint32_t)rnd();
	case 9: return 0xffffffffu;
	case 10: return pid_max + below(3) - 1;
	case 11: return 0x80000000u;
	default: return 1 + below(pid_max < 4096 ? pid_max : 4096);
	}
}

static uint64_t pick_flags(void)
{
	uint64_t served = served_groups;

	switch (below(10)) {
	case 0: return 0;
	case 1: return served;
	case 2: return 1ULL << below(64);
	case 3: return rnd();
	case 4: return TASK_DIAG_SHOW_ALL;
	default: return rnd() & served;
	}
}

/* Whole-system dumps are the slow ones under emulation: about one request in ten. */
static uint64_t pick_strategy(void)
{
	static const uint64_t targeted[] = { TASK_DIAG_DUMP_ONE, TASK_DIAG_DUMP_CHILDREN, TASK_DIAG_DUMP_THREAD };

	switch (below(20)) {
	case 0: return 5 + below(4);
	case 1: return rnd();
	case 2: return 1ULL << below(64);
	case 3: return TASK_DIAG_DUMP_ALL;
	case 4: return TASK_DIAG_DUMP_ALL_THREAD;
	default: return targeted[below(3)];
	}
}

/*
 * The expectation for a GET request whose payload is well-formed apart from
 * the listed facts: the errno the header documents, or success.
 */
static struct expect expect_get(uint64_t flags, uint64_t strategy, uint32_t pid, int req_unknown,
				int famhdr_nonzero)
{
	struct expect e = { EXP_ERR, 0, 0 };
	int bad_flags = !!(flags & ~TASK_DIAG_SHOW_ALL);
	int bad_strategy = strategy > TASK_DIAG_DUMP_MAX;
	int unserved = !!(flags & TASK_DIAG_SHOW_ALL & ~served_groups) ||
		       (!bad_strategy && !(served_strategies & (1ULL << strategy)));

	(void)pid;
	if (bad_flags || bad_strategy)
		e.errs |= B(EINVAL);
	if (unserved)
		e.errs |= B(EOPNOTSUPP);
	if (req_unknown || famhdr_nonzero) {
		e.errs |= B(EINVAL);
		if (!reserved_strict && e.errs == B(EINVAL))
			e.kind = EXP_ANY;
	}
	if (e.kind == EXP_ANY)
		return e;
	if (e.errs)
		return e;
	/* a valid request */
	if (strategy == TASK_DIAG_DUMP_ALL || strategy == TASK_DIAG_DUMP_ALL_THREAD)
		e.kind = EXP_OK;
	else {
		e.errs = B(ESRCH);
		e.allow_ok = 1;
	}
	return e;
}

static void put_get(struct request *r, unsigned char *m, uint32_t seq, uint16_t nlflags, uint64_t flags,
		    uint64_t strategy, uint32_t pid, uint32_t req_flags)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)m;
	struct genlmsghdr *gh = (struct genlmsghdr *)(m + NLMSG_HDRLEN);
	struct nlattr *na = (struct nlattr *)(m + NLMSG_HDRLEN + GENL_HDRLEN +
					      NLMSG_ALIGN(sizeof(struct task_diag_msg)));
	struct task_diag_pid req = { .show_flags = flags, .dump_strategy = strategy, .pid = pid,
				    .flags = req_flags };

	(void)r;
	memset(m, 0, REQ_GET_LEN);
	nh->nlmsg_len = REQ_GET_LEN;
	nh->nlmsg_type = family;
	nh->nlmsg_flags = nlflags;
	nh->nlmsg_seq = seq;
	gh->cmd = TASK_DIAG_CMD_GET;
	gh->version = TASK_DIAG_GENL_VERSION;
	na->nla_type = TASK_DIAG_CMD_ATTR_GET;
	na->nla_len = NLA_HDRLEN + sizeof(req);
	memcpy(NLA_DATA(na), &req, sizeof(req));	/* attributes are only 4-byte aligned */
}

static size_t put_info(unsigned char *m, uint32_t seq, uint16_t nlflags)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)m;
	struct genlmsghdr *gh = (struct genlmsghdr *)(m + NLMSG_HDRLEN);
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN + NLMSG_ALIGN(sizeof(struct task_diag_msg));

	memset(m, 0, len);
	nh->nlmsg_len = len;
	nh->nlmsg_type = family;
	nh->nlmsg_flags = nlflags;
	nh->nlmsg_seq = seq;
	gh->cmd = TASK_DIAG_CMD_GET_INFO;
	gh->version = TASK_DIAG_GENL_VERSION;
	return len;
}

static void set_exp_err(struct part *p, errset errs)
{
	p->exp.kind = EXP_ERR;
	p->exp.errs = errs;
	p->exp.allow_ok = 0;
}

/* Draw one request and everything about how it is received. */
static void make_request(struct request *r)
{
	struct part *p = &r->parts[0];
	uint16_t nlflags = NLM_F_REQUEST | NLM_F_DUMP;
	uint64_t flags = pick_flags(), strategy = pick_strategy();
	uint32_t pid = pick_pid(), req_flags = 0;
	int famhdr = 0;
	unsigned k = below(100);

	memset(r, 0, sizeof(*r));
	r->nparts = 1;
	p->seq = ++seq_counter;
	if (chance(15))
		nlflags |= NLM_F_ACK;

	/* receive plan */
	switch (below(10)) {
	case 0: r->rcvbuf = below(20); break;			/* tiny, even 0 */
	case 1: r->rcvbuf = 16 + below(200); break;
	case 2: r->rcvbuf = 1 + below(RBUF - 1); break;		/* odd sizes */
	case 3: r->rcvbuf = 4096 + below(3) - 1; break;
	default: r->rcvbuf = 32768 + below(3) * 16384; break;
	}
	r->abandon_after = chance(8) ? (int)below(3) : -1;
	r->busy_probe_after = (r->abandon_after < 0 && chance(5)) ? (int)below(2) : -1;
	r->in_child = chance(2);

	if (k < 45) {
		/* a well-formed GET with random values */
		r->kind = "get";
		/* request flags: a known one, or bits no module accepts (EINVAL) */
		if (chance(20))
			req_flags = TASK_DIAG_REQ_LEADER_WHOLE;
		else if (chance(10))
			req_flags = (uint32_t)rnd() | (1U << (1 + below(31)));
		put_get(r, r->buf, p->seq, nlflags, flags, strategy, pid, req_flags);
		r->len = REQ_GET_LEN;
		if (chance(5)) {
			famhdr = 1;
			r->buf[NLMSG_HDRLEN + GENL_HDRLEN + below(12)] = 1 + below(255);
		}
		p->is_dump = !(req_flags & ~TASK_DIAG_REQ_ALL) && !famhdr;
		p->flags = flags;
		p->strategy = strategy;
		p->pid = pid;
		p->exp = expect_get(flags, strategy, pid, !!(req_flags & ~TASK_DIAG_REQ_ALL), famhdr);
		return;
	}
	put_get(r, r->buf, p->seq, nlflags, flags, strategy, pid, 0);
	r->len = REQ_GET_LEN;
	struct nlmsghdr *nh = (struct nlmsghdr *)r->buf;
	struct genlmsghdr *gh = (struct genlmsghdr *)(r->buf + NLMSG_HDRLEN);
	size_t attr_off = NLMSG_HDRLEN + GENL_HDRLEN + NLMSG_ALIGN(sizeof(struct task_diag_msg));
	struct nlattr *na = (struct nlattr *)(r->buf + attr_off);
	struct expect valid = expect_get(flags, strategy, pid, 0, 0);

	if (k < 50) {
		r->kind = "nlmsg_len";
		switch (below(4)) {
		case 0:		/* shorter than a header: silently dropped */
			nh->nlmsg_len = below(NLMSG_HDRLEN);
			p->exp.kind = EXP_NONE;
			break;
		case 1:		/* longer than what is sent: dropped */
			nh->nlmsg_len = r->len + 1 + below(1000);
			p->exp.kind = EXP_NONE;
			break;
		case 2:		/* ends inside the genl or the family header */
			nh->nlmsg_len = NLMSG_HDRLEN + below(GENL_HDRLEN + sizeof(struct task_diag_msg));
			r->len = nh->nlmsg_len;
			set_exp_err(p, B(EINVAL));
			break;
		default:	/* ends inside the attribute */
			nh->nlmsg_len = attr_off + below(NLA_HDRLEN + sizeof(struct task_diag_pid));
			r->len = nh->nlmsg_len;
			set_exp_err(p, B(EINVAL) | B(ERANGE));
			if (nh->nlmsg_len == attr_off)	/* no attribute at all */
				set_exp_err(p, B(EINVAL));
			break;
		}
		return;
	}
	if (k < 60) {
		r->kind = "attr_len";
		unsigned plen = below(64);

		if (plen == sizeof(struct task_diag_pid))
			plen = 0;
		switch (below(3)) {
		case 0:		/* payload of another size */
			na->nla_len = NLA_HDRLEN + plen;
			for (size_t i = 0; i < plen; i++)
				r->buf[attr_off + NLA_HDRLEN + i] = i < 24 ? r->buf[attr_off + NLA_HDRLEN + i] : rnd();
			r->len = attr_off + NLA_ALIGN(na->nla_len);
			nh->nlmsg_len = r->len;
			set_exp_err(p, B(EINVAL));
			break;
		case 1:		/* nla_len beyond the message */
			na->nla_len = NLA_HDRLEN + sizeof(struct task_diag_pid) + 1 + below(2000);
			set_exp_err(p, B(EINVAL) | B(ERANGE));
			break;
		default:	/* nla_len below the attribute header */
			na->nla_len = below(NLA_HDRLEN);
			set_exp_err(p, B(EINVAL) | B(ERANGE));
			break;
		}
		return;
	}
	if (k < 66) {
		r->kind = "attr_type";
		switch (below(3)) {
		case 0: na->nla_type = 0; break;
		case 1: na->nla_type = TASK_DIAG_CMD_ATTR_MAX + 1 + below(100); break;
		default: na->nla_type = TASK_DIAG_CMD_ATTR_GET | (below(2) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER); break;
		}
		set_exp_err(p, B(EINVAL) | B(ERANGE));
		if ((na->nla_type & NLA_TYPE_MASK) == TASK_DIAG_CMD_ATTR_GET && !(na->nla_type & NLA_F_NESTED))
			p->exp = valid, p->exp.errs |= B(EINVAL), p->exp.allow_ok = 1, p->exp.kind = EXP_ERR;
		return;
	}
	if (k < 72) {
		/* an extra attribute after the request: duplicate or unknown */
		r->kind = "extra_attr";
		struct nlattr *x = (struct nlattr *)(r->buf + r->len);
		unsigned plen = below(32);

		x->nla_type = below(2) ? TASK_DIAG_CMD_ATTR_GET : (uint16_t)rnd();
		x->nla_len = NLA_HDRLEN + plen;
		if (x->nla_type == TASK_DIAG_CMD_ATTR_GET) {
			plen = sizeof(struct task_diag_pid);
			x->nla_len = NLA_HDRLEN + plen;
			memcpy(NLA_DATA(x), NLA_DATA(na), plen);	/* same request twice */
			p->exp = valid;
			if (p->exp.kind == EXP_OK)
				p->exp.errs = 0;
			p->is_dump = 1;
			p->flags = flags;
			p->strategy = strategy;
			p->pid = pid;
		} else {
			for (unsigned i = 0; i < plen; i++)
				((unsigned char *)NLA_DATA(x))[i] = rnd();
			set_exp_err(p, B(EINVAL) | B(ERANGE));
			if ((x->nla_type & NLA_TYPE_MASK) == TASK_DIAG_CMD_ATTR_GET) {
				/* the last copy of an attribute wins: a random request */
				p->exp.allow_ok = 1;
				p->exp.errs = CLEAN;
			}
		}
		r->len += NLA_ALIGN(x->nla_len);
		nh->nlmsg_len = r->len;
		return;
	}
	if (k < 78) {
		r->kind = "genl_cmd";
		gh->cmd = TASK_DIAG_CMD_MAX + 1 + below(254 - TASK_DIAG_CMD_MAX);
		if (chance(30))
			gh->cmd = 0;
		set_exp_err(p, B(EOPNOTSUPP));
		return;
	}
	if (k < 83) {
		/* the genl header's version and reserved bytes are not checked by genl */
		r->kind = "genl_hdr";
		gh->version = rnd();
		gh->reserved = chance(50) ? rnd() : 0;
		p->exp = valid;
		if (gh->reserved)	/* genl checks it from resv_start_op on, which is 0 */
			set_exp_err(p, B(EINVAL));
		p->is_dump = 1;
		p->flags = flags;
		p->strategy = strategy;
		p->pid = pid;
		return;
	}
	if (k < 90) {
		r->kind = "nlmsg_flags";
		uint16_t f = rnd();

		nh->nlmsg_flags = f;
		if (!(f & NLM_F_REQUEST)) {
			p->exp.kind = EXP_ANY;	/* ignored, or acked with 0 under NLM_F_ACK */
			if (!(f & NLM_F_ACK))
				p->exp.kind = EXP_NONE;
		} else if ((f & NLM_F_DUMP) != NLM_F_DUMP) {
			set_exp_err(p, B(EINVAL));	/* GET without NLM_F_DUMP, as the header says */
		} else {
			p->exp = valid;
			p->is_dump = 1;
			p->flags = flags;
			p->strategy = strategy;
			p->pid = pid;
			/* netlink refuses dump requests with flags it does not know for requests */
			if (f & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO | NLM_F_DUMP)) {
				if (p->exp.kind == EXP_OK)
					p->exp.allow_ok = 1;
				p->exp.kind = EXP_ERR;
				p->exp.errs |= B(EINVAL);
			}
		}
		return;
	}
	if (k < 94) {
		r->kind = "get_info";
		r->len = put_info(r->buf, p->seq, NLM_F_REQUEST | (chance(30) ? NLM_F_ACK : 0));
		nh->nlmsg_flags |= chance(20) ? NLM_F_DUMP : 0;
		if ((nh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			set_exp_err(p, B(EOPNOTSUPP));
		else if (chance(30)) {
			/* GET_INFO takes no attributes; strict validation may reject them */
			struct nlattr *x = (struct nlattr *)(r->buf + r->len);

			x->nla_type = below(4);
			x->nla_len = NLA_HDRLEN + below(8);
			r->len += NLA_ALIGN(x->nla_len);
			nh->nlmsg_len = r->len;
			set_exp_err(p, B(EINVAL) | B(ERANGE));
			p->exp.allow_ok = 1;
		} else
			p->exp.kind = EXP_OK;
		return;
	}
	if (k < 97) {
		/* two requests in one datagram: the second meets the first's dump */
		r->kind = "two_in_one";
		struct part *q = &r->parts[1];

		p->exp = valid;
		p->is_dump = 1;
		p->flags = flags;
		p->strategy = strategy;
		p->pid = pid;
		r->nparts = 2;
		q->seq = ++seq_counter;
		if (chance(50)) {
			r->len += put_info(r->buf + r->len, q->seq, NLM_F_REQUEST);
			q->exp.kind = EXP_OK;
		} else {
			put_get(r, r->buf + r->len, q->seq, NLM_F_REQUEST | NLM_F_DUMP, TASK_DIAG_SHOW_BASE,
				TASK_DIAG_DUMP_ALL, 0, 0);
			r->len += REQ_GET_LEN;
			q->exp.kind = EXP_ERR;
			q->exp.errs = B(EBUSY);
			q->exp.allow_ok = 1;
			q->is_dump = 1;
			q->flags = TASK_DIAG_SHOW_BASE;
			q->strategy = TASK_DIAG_DUMP_ALL;
		}
		r->rcvbuf = 65536;
		r->abandon_after = -1;
		r->busy_probe_after = -1;
		return;
	}
	/* random bytes after a valid netlink header */
	r->kind = "random";
	r->len = NLMSG_HDRLEN + below(REQ_MAX - NLMSG_HDRLEN);
	for (size_t i = NLMSG_HDRLEN; i < r->len; i++)
		r->buf[i] = rnd();
	if (chance(50))
		gh->cmd = 1 + below(2);
	nh->nlmsg_len = r->len;
	nh->nlmsg_flags = NLM_F_REQUEST | (chance(70) ? NLM_F_DUMP : 0);
	p->exp.kind = EXP_ERR;
	p->exp.errs = CLEAN;
	p->exp.allow_ok = 1;
}

/* ----------------------------------------------------------------- replies */

static const size_t group_size[] = {
	[TASK_DIAG_BASE] = sizeof(struct task_diag_base),
	[TASK_DIAG_CRED] = sizeof(struct task_diag_creds),
	[TASK_DIAG_STAT] = sizeof(struct task_diag_stat),
	[TASK_DIAG_STATM] = sizeof(struct task_diag_statm),
	[TASK_DIAG_SCHED] = sizeof(struct task_diag_sched),
	[TASK_DIAG_TTY] = sizeof(struct task_diag_tty),
	[TASK_DIAG_MEM] = sizeof(struct task_diag_mem),
	[TASK_DIAG_SIGNAL] = sizeof(struct task_diag_signal),
};

static struct part *find_part(struct request *r, uint32_t seq)
{
	for (int i = 0; i < r->nparts; i++)
		if (r->parts[i].seq == seq)
			return &r->parts[i];
	return NULL;
}

static void check_vmas(struct part *p, const struct nlattr *na)
{
	const char *data = NLA_DATA(na);
	size_t len = na->nla_len - NLA_HDRLEN, off = 0;

	while (off < len) {
		const struct task_diag_vma *v = (const void *)(data + off);

		if (len - off < sizeof(*v)) {
			failure("pid %u: %zu stray bytes after the VMA records", p->cont_pid, len - off);
			return;
		}
		if (v->vma_len < sizeof(*v) || v->vma_len % TASK_DIAG_VMA_ALIGN || v->vma_len > len - off) {
			failure("pid %u: VMA record length %u at offset %zu of %zu", p->cont_pid, v->vma_len, off,
				len);
			return;
		}
		if (v->name_len) {
			if (v->name_off < sizeof(*v) || (size_t)v->name_off + v->name_len > v->vma_len)
				failure("pid %u: VMA name at %u+%u outside its %u-byte record", p->cont_pid,
					v->name_off, v->name_len, v->vma_len);
			else if (((const char *)v)[v->name_off + v->name_len - 1] != '\0')
				failure("pid %u: VMA name not NUL-terminated", p->cont_pid);
		} else if (v->name_off) {
			failure("pid %u: VMA name offset %u with no name", p->cont_pid, v->name_off);
		}
		if (v->stat_off || v->stat_len)
			failure("pid %u: VMA stat fields set (%u, %u)", p->cont_pid, v->stat_off, v->stat_len);
		if (v->start >= v->end || (v->start & 4095) || (v->end & 4095))
			failure("pid %u: VMA %#llx-%#llx", p->cont_pid, (unsigned long long)v->start,
				(unsigned long long)v->end);
		if (v->start < p->cont_vma_end)
			failure("pid %u: VMA %#llx starts before the end %#llx of the previous one", p->cont_pid,
				(unsigned long long)v->start, (unsigned long long)p->cont_vma_end);
		p->cont_vma_end = v->end;
		off += v->vma_len;
	}
}

/* one task message of a dump */
static void check_task_msg(struct part *p, const struct nlmsghdr *nh)
{
	const char *pos = (const char *)NLMSG_DATA(nh);
	const char *end = (const char *)nh + nh->nlmsg_len;
	const struct genlmsghdr *gh = (const void *)pos;
	const struct task_diag_msg *m;
	int first_attr = 1;

	st->msgs++;
	if (end - pos < (ptrdiff_t)(GENL_HDRLEN + sizeof(*m))) {
		failure("task message of %u bytes", nh->nlmsg_len);
		return;
	}
	if (gh->cmd != TASK_DIAG_CMD_GET)
		failure("dump message with genl cmd %u", gh->cmd);
	if (!(nh->nlmsg_flags & NLM_F_MULTI))
		failure("dump message without NLM_F_MULTI");
	m = (const void *)(pos + GENL_HDRLEN);
	pos += GENL_HDRLEN + NLMSG_ALIGN(sizeof(*m));
	if (m->flags & ~TASK_DIAG_FLAG_CONT)
		failure("pid %u: unknown message flags %#x", m->pid, m->flags);
	if (p->unchecked)
		goto attrs;
	if (p->in_cont) {
		if (m->pid != p->cont_pid)
			failure("CONT of pid %u followed by pid %u", p->cont_pid, m->pid);
	} else {
		uint32_t key = m->pid;

		if (!m->pid || !m->tgid)
			failure("task with pid %u tgid %u", m->pid, m->tgid);
		if (p->have_last && key <= p->last_pid)
			failure("pid %u after pid %u (not ascending, or twice)", key, p->last_pid);
		p->have_last = 1;
		p->last_pid = key;
		p->cont_pid = m->pid;
		p->cont_vma_end = 0;
		p->last_attr = -1;
		p->ntasks++;
		st->tasks++;
		switch (p->strategy) {
		case TASK_DIAG_DUMP_ALL:
		case TASK_DIAG_DUMP_CHILDREN:
			if (m->pid != m->tgid)
				failure("%s dump lists thread %u of %u",
					p->strategy ? "CHILDREN" : "ALL", m->pid, m->tgid);
			break;
		case TASK_DIAG_DUMP_ONE:
			if (p->ntasks > 1)
				failure("ONE dump of pid %u lists a second task %u", p->pid, m->pid);
			if (m->pid != p->pid && m->tgid != p->pid)
				failure("ONE dump of pid %u lists %u/%u", p->pid, m->pid, m->tgid);
			break;
		case TASK_DIAG_DUMP_THREAD:
			/* pid may be any thread of the group, as /proc/TID/task lists the whole group */
			if (p->ntasks == 1)
				p->group = m->tgid;
			else if (m->tgid != p->group)
				failure("THREAD dump of %u lists %u of %u after threads of %u", p->pid, m->pid, m->tgid,
					p->group);
			break;
		}
	}
	if (m->flags & TASK_DIAG_FLAG_CONT)
		st->cont_msgs++;
attrs:
	while (end - pos >= NLA_HDRLEN) {
		const struct nlattr *na = (const void *)pos;
		unsigned type = na->nla_type & NLA_TYPE_MASK;

		if (na->nla_len < NLA_HDRLEN || na->nla_len > end - pos) {
			failure("pid %u: attribute length %u with %td bytes left", m->pid, na->nla_len, end - pos);
			return;
		}
		if (p->unchecked)
			goto next;
		if (type >= 64 || !(p->flags & (1ULL << type)))
			failure("pid %u: attribute %u not requested (flags %#llx)", m->pid, type,
				(unsigned long long)p->flags);
		/* ascending ids; a continued message may start with the cut VMA or CMDLINE again */
		if ((int)type < p->last_attr ||
		    ((int)type == p->last_attr &&
		     !(first_attr && p->in_cont && (type == TASK_DIAG_VMA || type == TASK_DIAG_CMDLINE))))
			failure("pid %u: attribute %u after %d", m->pid, type, p->last_attr);
		p->last_attr = type;
		if (type < sizeof(group_size) / sizeof(*group_size) && group_size[type] &&
		    (size_t)(na->nla_len - NLA_HDRLEN) < group_size[type])
			failure("pid %u: attribute %u of %u bytes, struct has %zu", m->pid, type,
				na->nla_len - NLA_HDRLEN, group_size[type]);
		if (type == TASK_DIAG_BASE && (size_t)(na->nla_len - NLA_HDRLEN) >= sizeof(struct task_diag_base)) {
			const struct task_diag_base *b = NLA_DATA(na);

			if (b->pid != m->pid || b->tgid != m->tgid)
				failure("pid %u/%u: base says %u/%u", m->pid, m->tgid, b->pid, b->tgid);
			if (!memchr(b->comm, 0, sizeof(b->comm)))
				failure("pid %u: comm not NUL-terminated", m->pid);
			if (b->state >= sizeof(TASK_DIAG_STATE_CHARS) - 1)
				failure("pid %u: state %u", m->pid, b->state);
			/* the parent is pid's thread group, which pid may name through any of its threads */
			if (p->strategy == TASK_DIAG_DUMP_CHILDREN) {
				if (!p->group)
					p->group = b->ppid;
				if (b->ppid != p->group || !b->ppid)
					failure("CHILDREN of %u lists %u whose parent is %u, after children of %u", p->pid,
						m->pid, b->ppid, p->group);
			}
		}
		if (type == TASK_DIAG_VMA)
			check_vmas(p, na);
next:
		first_attr = 0;
		pos += NLA_ALIGN(na->nla_len);
		if (pos > end)
			pos = end;
	}
	if (end - pos)
		failure("pid %u: %td stray bytes after the attributes", m->pid, end - pos);
	p->in_cont = !!(m->flags & TASK_DIAG_FLAG_CONT);
}

static void resolve_error(struct part *p, int err, const char *how)
{
	if (verbose)
		fprintf(stderr, "request %" PRIu64 " seq %u: %s %s\n", iter, p->seq, how, errname(err));
	p->resolved = 1;
	p->error = err;
	if (err < MAX_ERRNO)
		st->err[err]++;
	if (p->exp.kind == EXP_OK)
		failure("%s %s where success was expected", how, errname(err));
	else if (p->exp.kind == EXP_NONE)
		failure("%s %s where no reply was expected", how, errname(err));
	else if (p->exp.kind == EXP_ERR) {
		if (err >= 128 || !(p->exp.errs & B(err)))
			failure("%s %s, expected %s%s", how, errname(err), errset_names(p->exp.errs),
				p->exp.allow_ok ? " or success" : "");
		else if (!(p->exp.errs & (p->exp.errs - 1)) && !p->exp.allow_ok)
			st->exact_checked++;
	} else if (err >= 128 || !(CLEAN & B(err)))
		failure("%s %s is not a clean errno", how, errname(err));
}

static void resolve_ok(struct part *p, const char *what)
{
	if (verbose)
		fprintf(stderr, "request %" PRIu64 " seq %u: %s\n", iter, p->seq, what);
	p->resolved = 1;
	if (p->exp.kind == EXP_NONE)
		failure("%s where no reply was expected", what);
	else if (p->exp.kind == EXP_ERR && !p->exp.allow_ok)
		failure("%s where %s was expected", what, errset_names(p->exp.errs));
}

/* Walk one datagram: seen = bytes in buf, real = its length. Returns 1 if truncated. */
static int check_datagram(struct sock *s, struct request *r, const char *buf, size_t seen, size_t real)
{
	size_t off = 0;

	if (seen < real)
		st->truncated++;
	while (real - off >= NLMSG_HDRLEN) {
		if (off + NLMSG_HDRLEN > seen) {
			/* header cut off by a small buffer: it may be any part's */
			for (int i = 0; i < r->nparts; i++)
				r->parts[i].saw_trunc = 1;
			return 1;
		}
		const struct nlmsghdr *nh = (const void *)(buf + off);
		struct part *p;

		if (nh->nlmsg_len < NLMSG_HDRLEN || nh->nlmsg_len > real - off) {
			failure("nlmsg_len %u at offset %zu of a %zu-byte datagram", nh->nlmsg_len, off, real);
			return 1;
		}
		int whole = off + nh->nlmsg_len <= seen;

		p = find_part(r, nh->nlmsg_seq);
		if (!p) {
			if (nh->nlmsg_seq >= s->first_seq && nh->nlmsg_seq < r->parts[0].seq && s->pending_dump) {
				st->late++;	/* the rest of an abandoned dump */
			} else if (nh->nlmsg_seq != 0 || nh->nlmsg_type != NLMSG_ERROR) {
				failure("reply with seq %u (type %u), request seqs start at %u", nh->nlmsg_seq,
					nh->nlmsg_type, r->parts[0].seq);
			}
			goto next;
		}
		if (nh->nlmsg_pid != own_portid(s))
			failure("reply nlmsg_pid %u, the socket's port id is %u", nh->nlmsg_pid, own_portid(s));
		p->got_reply = 1;
		if (p->resolved && nh->nlmsg_type != NLMSG_ERROR) {
			failure("type %u after the request's end", nh->nlmsg_type);
			goto next;
		}
		if (!whole) {
			p->unchecked = 1;
			p->saw_trunc = 1;
			goto next;
		}
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
				failure("NLMSG_ERROR of %u bytes", nh->nlmsg_len);
				goto next;
			}
			if (e->error > 0 || e->error < -4095) {
				failure("NLMSG_ERROR error %d", e->error);
				goto next;
			}
			if (!(nh->nlmsg_flags & NLM_F_CAPPED) && e->error &&
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(e->error)) + e->msg.nlmsg_len)
				failure("uncapped NLMSG_ERROR of %u bytes for a %u-byte request", nh->nlmsg_len,
					e->msg.nlmsg_len);
			if (e->msg.nlmsg_seq != nh->nlmsg_seq)
				failure("NLMSG_ERROR echoes seq %u", e->msg.nlmsg_seq);
			if (e->error == 0) {
				st->acks++;
				if (!p->resolved && !p->is_dump)
					resolve_ok(p, "ack");
				else if (!p->resolved && p->exp.kind != EXP_ERR) {
					/* an ack for a dump request ends it: no dump was started */
					resolve_ok(p, "ack");
				}
				goto next;
			}
			if (p->resolved) {
				failure("NLMSG_ERROR %d after the request's end", e->error);
				goto next;
			}
			if (e->error == -ENOBUFS && p->is_dump) {
				/*
				 * netlink_dump_start() answers ENOBUFS when its first fill finds the receive
				 * queue full, yet leaves the dump running: its messages may still follow, so the
				 * socket is out of sync as after a dropped message.  Not the module's doing.
				 */
				st->enobufs++;
				if (ENOBUFS < MAX_ERRNO)
					st->err[ENOBUFS]++;
				for (int i = 0; i < r->nparts; i++)
					r->parts[i].resolved = 1;
				s->out_of_sync = 1;
				return 0;
			}
			if (p->in_cont || p->ntasks)
				p->done_seen = 1;
			resolve_error(p, -e->error, "NLMSG_ERROR");
		} else if (nh->nlmsg_type == NLMSG_DONE) {
			int err = 0;

			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
				failure("NLMSG_DONE of %u bytes", nh->nlmsg_len);
			else
				memcpy(&err, NLMSG_DATA(nh), sizeof(err));
			p->done_seen = 1;
			if (p->in_cont && !p->unchecked && !err)
				failure("dump ended inside the CONT sequence of pid %u", p->cont_pid);
			if (err > 0 || err < -4095)
				failure("NLMSG_DONE carries %d", err);
			else if (err)
				resolve_error(p, -err, "NLMSG_DONE");
			else {
				resolve_ok(p, "dump");
				st->dumps_ok++;
			}
		} else if (nh->nlmsg_type == family) {
			const struct genlmsghdr *gh = NLMSG_DATA(nh);

			if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN + sizeof(struct task_diag_msg))) {
				failure("family message of %u bytes", nh->nlmsg_len);
				goto next;
			}
			if (gh->cmd == TASK_DIAG_CMD_GET_INFO) {
				const char *q = (const char *)gh + GENL_HDRLEN +
						NLMSG_ALIGN(sizeof(struct task_diag_msg));
				const char *end = (const char *)nh + nh->nlmsg_len;
				int found = 0;

				while (end - q >= NLA_HDRLEN) {
					const struct nlattr *na = (const void *)q;

					if (na->nla_len < NLA_HDRLEN || na->nla_len > end - q) {
						failure("GET_INFO attribute length %u", na->nla_len);
						break;
					}
					if ((na->nla_type & NLA_TYPE_MASK) == TASK_DIAG_INFO_ATTR &&
					    (size_t)(na->nla_len - NLA_HDRLEN) >= sizeof(struct task_diag_info))
						found = 1;
					q += NLA_ALIGN(na->nla_len);
				}
				if (!found)
					failure("GET_INFO reply without its attribute");
				st->replies_ok++;
				resolve_ok(p, "GET_INFO reply");
			} else if (p->is_dump) {
				check_task_msg(p, nh);
			} else {
				/* a reply to a mangled request that the kernel took as a dump */
				if (gh->cmd != TASK_DIAG_CMD_GET)
					failure("reply with genl cmd %u", gh->cmd);
				p->unchecked = 1;
				p->flags = ~0ULL;
				check_task_msg(p, nh);
			}
		} else {
			failure("reply of type %u", nh->nlmsg_type);
		}
next:
		off += NLMSG_ALIGN(nh->nlmsg_len);
		if (off > real)
			break;
	}
	if (off < real && real - off < NLMSG_HDRLEN && seen >= real)
		failure("%zu stray bytes at the end of a datagram", real - off);
	return seen < real;
}

static char rbuf[RBUF];

/* Read what the request produced; the kernel answers synchronously, so an empty queue is the end. */
static void drain(struct sock *s, struct request *r, int datagrams_limit)
{
	int n_dgrams = 0, last_trunc = 0;

	for (;;) {
		int unresolved = 0;

		for (int i = 0; i < r->nparts; i++)
			if (!r->parts[i].resolved && r->parts[i].exp.kind != EXP_NONE)
				unresolved = 1;
		if (datagrams_limit >= 0 && n_dgrams >= datagrams_limit)
			return;
		/* an empty queue with a reply due waits a little: the kernel should have queued it already */
		ssize_t n = recv_one(s, rbuf, r->rcvbuf, unresolved && !last_trunc ? 5000 : 0);

		if (n == -EAGAIN) {
			s->pending_dump = 0;
			for (int i = 0; i < r->nparts; i++) {
				struct part *p = &r->parts[i];

				if (p->resolved)
					continue;
				if (p->got_reply && p->saw_trunc) {
					p->resolved = 1;	/* its end was in a truncated datagram */
					continue;
				}
				if (p->exp.kind == EXP_NONE || p->exp.kind == EXP_ANY ||
				    (p->exp.kind == EXP_ERR && p->exp.allow_ok && p->got_reply && p->unchecked)) {
					if (!p->got_reply)
						st->noreply++;
					p->resolved = 1;
					continue;
				}
				failure("no %s after %s", p->got_reply ? "end of the dump" : "reply",
					p->got_reply ? "its messages" : "5 s");
				p->resolved = 1;
			}
			return;
		}
		if (n < 0) {
			if (n == -ENOBUFS) {
				/* messages were dropped: the socket is out of sync, as netlink documents */
				st->enobufs++;
				if (ENOBUFS < MAX_ERRNO)
					st->err[ENOBUFS]++;
				for (int i = 0; i < r->nparts; i++)
					r->parts[i].resolved = 1;
				close_sock(s);
				open_sock(s, 0);
				return;
			}
			failure("recv: %s", strerror((int)-n));
			for (int i = 0; i < r->nparts; i++)
				r->parts[i].resolved = 1;
			close_sock(s);
			open_sock(s, 0);
			return;
		}
		n_dgrams++;
		size_t seen = (size_t)n < r->rcvbuf ? (size_t)n : r->rcvbuf;

		if (seen < NLMSG_HDRLEN && n > 0) {
			/* not even a header visible: whichever part it belonged to got a reply */
			for (int i = 0; i < r->nparts; i++) {
				r->parts[i].got_reply = 1;
				r->parts[i].unchecked = 1;
				r->parts[i].saw_trunc = 1;
			}
		}
		last_trunc = check_datagram(s, r, rbuf, seen, n);
		if (s->out_of_sync) {
			close_sock(s);
			open_sock(s, 0);
			return;
		}
	}
}

static void run_request(struct sock *s, struct request *r)
{
	int err;

	cur_req = r;
	st->requests++;
	err = send_raw(s, r->buf, r->len);
	if (err) {
		/* sendto refuses only what netlink itself cannot carry */
		if (-err == ENOBUFS || -err == EMSGSIZE) {
			st->err[-err]++;
			return;
		}
		failure("sendto: %s", strerror(-err));
		return;
	}
	if (r->abandon_after >= 0) {
		drain(s, r, r->abandon_after);
		close_sock(s);
		open_sock(s, 1);
		st->closed_mid_dump++;
		return;
	}
	if (r->busy_probe_after >= 0) {
		drain(s, r, r->busy_probe_after);
		if (!r->parts[0].resolved) {
			/* a second dump on a socket whose dump runs: EBUSY, and the first one goes on */
			struct part *q = &r->parts[r->nparts++];
			unsigned char probe[REQ_GET_LEN];

			memset(q, 0, sizeof(*q));
			q->seq = ++seq_counter;
			put_get(r, probe, q->seq, NLM_F_REQUEST | NLM_F_DUMP, TASK_DIAG_SHOW_BASE,
				TASK_DIAG_DUMP_ALL, 0, 0);
			q->exp.kind = EXP_ERR;
			q->exp.errs = B(EBUSY);
			q->exp.allow_ok = 1;
			q->is_dump = 1;
			q->flags = TASK_DIAG_SHOW_BASE;
			q->strategy = TASK_DIAG_DUMP_ALL;
			st->busy_probe++;
			if (send_raw(s, probe, sizeof(probe)))
				failure("sendto (second dump): %s", strerror(errno));
		}
	}
	drain(s, r, -1);
}

/* A child that starts the request on its own socket, reads a little and exits or is killed. */
static void run_in_child(struct request *r)
{
	pid_t c = fork();

	if (c < 0)
		return;
	if (c == 0) {
		struct sock s;

		if (open_sock(&s, 0))
			_exit(0);
		send_raw(&s, r->buf, r->len);
		if (r->abandon_after > 0)
			recv(s.fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		_exit(0);	/* the socket closes with the process, mid-dump */
	}
	if (r->busy_probe_after > 0)
		kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	st->child_exits++;
}

/* ------------------------------------------------------------------ corpus */

static int parse_expect(const char *tok, struct expect *e)
{
	memset(e, 0, sizeof(*e));
	if (!strncmp(tok, "reserved:", 9)) {
		tok += 9;
		if (!reserved_strict) {
			e->kind = EXP_ANY;
			return 0;
		}
	}
	if (!strcmp(tok, "ok")) {
		e->kind = EXP_OK;
		return 0;
	}
	if (!strcmp(tok, "none")) {
		e->kind = EXP_NONE;
		return 0;
	}
	if (!strcmp(tok, "any")) {
		e->kind = EXP_ANY;
		return 0;
	}
	e->kind = EXP_ERR;
	char copy[128], *save = NULL, *t;

	snprintf(copy, sizeof(copy), "%s", tok);
	for (t = strtok_r(copy, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		int v;

		if (!strcmp(t, "ok")) {
			e->allow_ok = 1;
			continue;
		}
		v = errno_by_name(t);
		if (!v || v >= 128)
			return -1;
		e->errs |= B(v);
	}
	return 0;
}

static void run_corpus(struct sock *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned lineno = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct request r;
		char exp_tok[128], hex[2 * REQ_MAX + 2];
		size_t i;

		lineno++;
		char *hash = strchr(line, '#');

		if (hash)
			*hash = 0;
		if (sscanf(line, "%127s %1025s", exp_tok, hex) != 2)
			continue;
		memset(&r, 0, sizeof(r));
		r.kind = "corpus";
		r.nparts = 1;
		if (parse_expect(exp_tok, &r.parts[0].exp))
			die("%s:%u: bad expectation '%s'", path, lineno, exp_tok);
		if (strlen(hex) % 2 || strlen(hex) / 2 > REQ_MAX)
			die("%s:%u: bad hex", path, lineno);
		r.len = strlen(hex) / 2;
		for (i = 0; i < r.len; i++) {
			unsigned v;

			if (sscanf(hex + 2 * i, "%2x", &v) != 1)
				die("%s:%u: bad hex", path, lineno);
			r.buf[i] = v;
		}
		r.parts[0].seq = ++seq_counter;
		if (r.len >= NLMSG_HDRLEN) {
			struct nlmsghdr *nh = (struct nlmsghdr *)r.buf;

			if (!nh->nlmsg_type)
				nh->nlmsg_type = family;
			nh->nlmsg_seq = r.parts[0].seq;
		}
		r.rcvbuf = 65536;
		r.abandon_after = r.busy_probe_after = -1;
		iter = lineno;
		run_request(s, &r);
		st->corpus++;
	}
	fclose(f);
	cur_req = NULL;
}

/* ----------------------------------------------------------------- workers */

static void drop_to(uid_t uid)
{
	if (uid == 0)
		return;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		die("cannot become uid %u: %s", uid, strerror(errno));
}

/*
 * Enough mappings of its own that a dump of the worker's own VMA does not fit one buffer: under
 * an LSM the module serves VMA for the requester's own process only, and CONT sequences must
 * still be exercised.  Alternating protections keep neighbours from merging.
 */
static void many_mappings(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	for (int i = 0; i < 4096; i++)
		if (mmap(NULL, pg, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
			break;
}

static void report_progress(int w)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "progress worker=%d requests=%" PRIu64 " failures=%" PRIu64 "\n",
			 w, st->requests, st->failures);

	/* one write: lines of several workers on one pipe do not interleave */
	if (n > 0 && write(1, line, (size_t)n) < 0)
		return;
}

static void worker(int w, uint64_t seed, uint64_t count, uid_t uid, const char *corpus)
{
	struct sock s;
	struct request r;

	worker_id = w;
	st = &all_stats[w];
	rng = seed + w;
	if (!rng)
		rng = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 8; i++)
		rnd();
	seq_counter = (uint32_t)w << 24;
	drop_to(uid);
	many_mappings();
	if (open_sock(&s, 0))
		die("socket: %s", strerror(errno));
	if (corpus && w == 0)
		run_corpus(&s, corpus);
	for (iter = 0; iter < count; iter++) {
		/* here, not at the end: a request run in a child continues the loop early */
		if (progress_every && iter && iter % progress_every == 0)
			report_progress(w);
		make_request(&r);
		if (r.in_child) {
			cur_req = &r;
			st->requests++;
			run_in_child(&r);
			continue;
		}
		if (s.fd < 0 || chance(3)) {
			close_sock(&s);
			if (open_sock(&s, 1))
				die("socket: %s", strerror(errno));
		}
		if (r.abandon_after >= 0 || r.busy_probe_after >= 0)
			s.pending_dump = 1;
		run_request(&s, &r);
		prev_req = r;
	}
	if (progress_every && count && count % progress_every == 0)
		report_progress(w);
	close_sock(&s);
	exit(st->failures ? 1 : 0);
}

static int parse_uids(const char *arg, uid_t *uids, int max)
{
	int n = 0;
	char *copy = strdup(arg), *save = NULL, *t;

	for (t = strtok_r(copy, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
		uids[n++] = (uid_t)strtoul(t, NULL, 0);
	free(copy);
	return n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "uids", required_argument, NULL, 'u' },
		{ "corpus", required_argument, NULL, 'c' },
		{ "reserved", required_argument, NULL, 'r' },
		{ "max-failures", required_argument, NULL, 'm' },
		{ "progress", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 0, requests = 100000;
	uid_t uids[MAX_WORKERS] = { 0, 65534 };
	int nuids = 2, opt, have_seed = 0, status = 0;
	const char *corpus = NULL;
	struct timespec t0, t1;

	while ((opt = getopt_long(argc, argv, "s:n:w:u:c:r:m:p:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); have_seed = 1; break;
		case 'n': requests = strtoull(optarg, NULL, 0); break;
		case 'w': nworkers = atoi(optarg); break;
		case 'u': nuids = parse_uids(optarg, uids, MAX_WORKERS); break;
		case 'c': corpus = optarg; break;
		case 'r': reserved_strict = !strcmp(optarg, "strict"); break;
		case 'm': max_failures = atoi(optarg); break;
		case 'p': progress_every = strtoull(optarg, NULL, 0); break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: %s [--seed S] [--requests N] [--workers W] [--uids U,...] "
				"[--corpus FILE] [--reserved strict|lax] [--max-failures N] [--progress N]\n", prog);
			return 2;
		}
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS || nuids < 1)
		die("bad --workers or --uids");
	if (!have_seed) {
		clock_gettime(CLOCK_REALTIME, &t0);
		seed = ((uint64_t)t0.tv_sec << 20) ^ (uint64_t)t0.tv_nsec ^ (uint64_t)getpid();
	}
	resolve();
	printf("seed=%" PRIu64 " workers=%d requests=%" PRIu64 " uids=", seed, nworkers, requests);
	for (int i = 0; i < nuids; i++)
		printf("%s%u", i ? "," : "", uids[i]);
	printf(" family=%u served_groups=%#llx reserved=%s\n", family, (unsigned long long)served_groups,
	       reserved_strict ? "strict" : "lax");
	fflush(stdout);

	all_stats = mmap(NULL, sizeof(struct stats) * MAX_WORKERS, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (all_stats == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(all_stats, 0, sizeof(struct stats) * MAX_WORKERS);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* the workers pick each other's pids as targets: fork them all, then let them go */
	int go[2];

	if (pipe(go))
		die("pipe: %s", strerror(errno));
	for (int w = 0; w < nworkers; w++) {
		pid_t c = fork();

		if (c < 0)
			die("fork: %s", strerror(errno));
		if (c == 0) {
			char b;

			close(go[1]);
			if (read(go[0], &b, 1) < 0)
				_exit(2);
			close(go[0]);
			uint64_t share = requests / nworkers + (w < (int)(requests % nworkers));

			worker(w, seed, share, uids[w % nuids], corpus);
		}
		worker_pids[w] = c;
	}
	/* children forked before worker_pids was complete: they only know the earlier ones */
	close(go[0]);
	close(go[1]);
	for (int w = 0; w < nworkers; w++) {
		int ws;

		if (waitpid(worker_pids[w], &ws, 0) < 0)
			die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) == 2) {
			fprintf(stderr, "%s: worker %d ended with status %#x\n", prog, w, ws);
			status = 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	struct stats sum = { 0 };

	for (int w = 0; w < nworkers; w++) {
		uint64_t *a = (uint64_t *)&sum, *b = (uint64_t *)&all_stats[w];

		for (size_t i = 0; i < sizeof(sum) / sizeof(uint64_t); i++)
			a[i] += b[i];
	}
	printf("requests=%" PRIu64 " corpus=%" PRIu64 " dumps_ok=%" PRIu64 " info_ok=%" PRIu64
	       " acks=%" PRIu64 " tasks=%" PRIu64 " msgs=%" PRIu64 " cont_msgs=%" PRIu64
	       " no_reply=%" PRIu64 " truncated=%" PRIu64 " late=%" PRIu64 " closed_mid_dump=%" PRIu64
	       " busy_probes=%" PRIu64 " child_exits=%" PRIu64 " exact_errno_checks=%" PRIu64
	       " failures=%" PRIu64 " seconds=%.1f errors:",
	       sum.requests, sum.corpus, sum.dumps_ok, sum.replies_ok, sum.acks, sum.tasks, sum.msgs,
	       sum.cont_msgs, sum.noreply, sum.truncated, sum.late, sum.closed_mid_dump, sum.busy_probe,
	       sum.child_exits, sum.exact_checked, sum.failures,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (int e = 1; e < MAX_ERRNO; e++)
		if (sum.err[e])
			printf(" %s=%" PRIu64, errname(e), sum.err[e]);
	printf("\n");
	if (sum.failures)
		status = 1;
	return status;
}
