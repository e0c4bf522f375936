// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag_dump - a plain-libc client of the TASK_DIAG generic netlink family.
 *
 * Sends one NLM_F_DUMP request and prints one line per task:
 *
 *   pid=P tgid=T [ppid=.. tpid=.. sid=.. pgid=.. state=C]
 *         [uid=r,e,s,f gid=r,e,s,f capinh=X capprm=X capeff=X capbnd=X]
 *         [minflt=.. cminflt=.. majflt=.. cmajflt=.. utime=.. stime=..
 *          cutime=.. cstime=.. threads=..]
 *         [statm=size,resident,shared,text,lib,data,dirty]
 *         [vmas=N] [cmdline=LEN] [aID=LEN ...] msgs=M [comm=COMM]
 *
 * Only the groups present in the reply are printed (a group the caller may not
 * see is simply absent).  comm is last, with backslash, non-printable bytes
 * and spaces written as \ooo octal.  msgs is the number of netlink messages the
 * task took (more than 1 when TASK_DIAG_FLAG_CONT split it).
 *
 * Exit status: 0 on success, errno of a kernel error (NLMSG_ERROR, or
 * NLMSG_DONE carrying -errno; message on stderr), EPROTO (71) for a malformed
 * reply, 2 for a usage error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/task_diag.h>

#define RECV_BUF_SIZE (1 << 20)

static const char *prog = "task_diag_dump";

static void usage(void)
{
	fprintf(stderr,
"usage: %s [options]\n"
"  -s, --strategy S     all|one|all_thread|children|thread or a number (default all)\n"
"  -f, --flags F        comma-separated group names (base,cred,vma,vma_stat,stat,\n"
"                       statm,cmdline,sched,tty,mem,signal,wchan), 'all' (every\n"
"                       group but vma_stat and wchan), or a\n"
"                       number (default base)\n"
"  -p, --pid PID        pid for one/children/thread (default 0)\n"
"  -r, --request-flags N  task_diag_pid.flags (TASK_DIAG_REQ_*, default 0)\n"
"  -q, --quiet          print only the number of tasks\n"
"      --loop N         run the dump N times (output of the last one)\n"
"      --fd FD          use the already open NETLINK_GENERIC socket FD\n"
"      --cmdline-dir D  write each task's raw command line to D/TID\n"
"      --maps-dir D     write each task's VMAs to D/TID in /proc/PID/maps format\n"
"      --short-request  send a truncated struct task_diag_pid (protocol test)\n"
"      --pause-ms MS    sleep MS ms after each datagram (keeps a dump in progress)\n"
"      --info           print the family and TASK_DIAG_CMD_GET_INFO data and exit\n"
"      --replay FILE    parse replies from FILE (u32 length + datagram each), send\n"
"                       nothing (tests of the reply parser)\n",
		prog);
	exit(2);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		fail(ENOMEM, "out of memory");
	return p;
}

/* ---------------------------------------------------------------- names */

struct name { const char *name; uint64_t val; };

static const struct name strategies[] = {
	{ "all", TASK_DIAG_DUMP_ALL },
	{ "one", TASK_DIAG_DUMP_ONE },
	{ "all_thread", TASK_DIAG_DUMP_ALL_THREAD },
	{ "children", TASK_DIAG_DUMP_CHILDREN },
	{ "thread", TASK_DIAG_DUMP_THREAD },
	{ NULL, 0 },
};

static const struct name groups[] = {
	{ "base", TASK_DIAG_BASE },
	{ "cred", TASK_DIAG_CRED },
	{ "vma", TASK_DIAG_VMA },
	{ "vma_stat", TASK_DIAG_VMA_STAT },
	{ "stat", TASK_DIAG_STAT },
	{ "statm", TASK_DIAG_STATM },
	{ "cmdline", TASK_DIAG_CMDLINE },
	{ "sched", TASK_DIAG_SCHED },
	{ "tty", TASK_DIAG_TTY },
	{ "mem", TASK_DIAG_MEM },
	{ "signal", TASK_DIAG_SIGNAL },
	{ "wchan", TASK_DIAG_WCHAN },
	{ NULL, 0 },
};

static uint64_t parse_number(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end)
		fail(2, "bad %s '%s'", what, s);
	return v;
}

static uint64_t parse_strategy(const char *s)
{
	const struct name *n;

	for (n = strategies; n->name; n++)
		if (!strcasecmp(s, n->name))
			return n->val;
	return parse_number(s, "strategy");
}

static uint64_t parse_flags(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint64_t flags = 0;

	if (isdigit((unsigned char)arg[0])) {
		free(copy);
		return parse_number(arg, "flags");
	}
	for (tok = strtok_r(copy, ",|+", &save); tok; tok = strtok_r(NULL, ",|+", &save)) {
		const struct name *n;

		if (!strcasecmp(tok, "all")) {
			for (n = groups; n->name; n++)
				if (n->val != TASK_DIAG_VMA_STAT && n->val != TASK_DIAG_WCHAN)
					flags |= 1ULL << n->val;
			continue;
		}
		for (n = groups; n->name; n++)
			if (!strcasecmp(tok, n->name))
				break;
		if (!n->name)
			fail(2, "unknown group '%s'", tok);
		flags |= 1ULL << n->val;
	}
	free(copy);
	return flags;
}

/* -------------------------------------------------------------- netlink */

static int sock = -1;
static uint32_t seq = 1;
static char *rbuf;

/*
 * --replay FILE: datagrams are read from FILE (each a native-endian u32
 * length, then that many bytes) instead of the socket, and nothing is sent:
 * the reply parser can be fed malformed replies. The family id is
 * TASK_DIAG_REPLAY_FAMILY; a reply to resolve it is not expected.
 */
#define TASK_DIAG_REPLAY_FAMILY 0x7fff
static FILE *replay;

static void nl_send(void *msg, size_t len)
{
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (replay)
		return;
	n = sendto(sock, msg, len, 0, (struct sockaddr *)&dst, sizeof(dst));
	if (n < 0)
		fail(errno, "sendto: %s", strerror(errno));
	if ((size_t)n != len)
		fail(EPROTO, "short sendto");
}

static ssize_t nl_recv(void)
{
	struct sockaddr_nl src;
	struct iovec iov = { rbuf, RECV_BUF_SIZE };
	struct msghdr mh = {
		.msg_name = &src, .msg_namelen = sizeof(src),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	if (replay) {
		uint32_t len;

		if (fread(&len, sizeof(len), 1, replay) != 1)
			fail(EPROTO, "replay: no more datagrams");
		if (len > RECV_BUF_SIZE || fread(rbuf, 1, len, replay) != len)
			fail(EPROTO, "replay: bad datagram");
		return len;
	}
	for (;;) {
		mh.msg_namelen = sizeof(src);
		n = recvmsg(sock, &mh, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(errno, "recvmsg: %s", strerror(errno));
		/* only the kernel (port 0) answers; another process may write to our port */
		if (mh.msg_namelen >= sizeof(src) && src.nl_family == AF_NETLINK && src.nl_pid == 0)
			break;
	}
	if (mh.msg_flags & MSG_TRUNC)
		fail(EPROTO, "reply truncated");
	return n;
}

#define NLA_DATA(nla) ((void *)((char *)(nla) + NLA_HDRLEN))

/*
 * Every length and offset read from a reply is checked before it is used:
 * a malformed reply is EPROTO, never a read past the datagram.
 */

/* The errno of an NLMSG_ERROR message, checked to hold a struct nlmsgerr. */
static int nl_error_of(const struct nlmsghdr *nh)
{
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		fail(EPROTO, "short NLMSG_ERROR message");
	return ((const struct nlmsgerr *)NLMSG_DATA(nh))->error;
}

/* Payload of an attribute known to hold at least size bytes. */
static const void *nla_payload(const struct nlattr *na, size_t size, const char *what)
{
	if (na->nla_len < NLA_HDRLEN + size)
		fail(EPROTO, "%s: attribute of %u bytes, %zu expected", what,
		     (unsigned)na->nla_len, NLA_HDRLEN + size);
	return NLA_DATA(na);
}

struct family {
	uint16_t id;
	uint32_t version, hdrsize, maxattr;
};

static struct family resolve_family(const char *name)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		char buf[64];
	} req;
	struct family fam = { 0 };
	struct nlattr *na;
	size_t nlen = strlen(name) + 1;
	int done = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = GENL_ID_CTRL;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = seq++;
	req.gh.cmd = CTRL_CMD_GETFAMILY;
	req.gh.version = 1;
	na = (struct nlattr *)req.buf;
	na->nla_type = CTRL_ATTR_FAMILY_NAME;
	na->nla_len = NLA_HDRLEN + nlen;
	memcpy(NLA_DATA(na), name, nlen);
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(na->nla_len));
	nl_send(&req, req.nh.nlmsg_len);

	while (!done) {
		ssize_t n = nl_recv();
		struct nlmsghdr *nh;

		for (nh = (struct nlmsghdr *)rbuf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				int error = nl_error_of(nh);

				if (error == 0) {	/* ack */
					done = 1;
					continue;
				}
				if (error == -ENOENT)
					fail(ENOENT, "generic netlink family %s not found "
					     "(is the task_diag module loaded?)", name);
				if (error > 0 || error < -4095)
					fail(EPROTO, "resolving %s: bad error %d", name, error);
				fail(-error, "resolving %s: %s", name, strerror(-error));
			}
			if (nh->nlmsg_type == GENL_ID_CTRL) {
				char *p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
				char *end = (char *)nh + nh->nlmsg_len;

				if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
					fail(EPROTO, "short controller message");

				while (p + NLA_HDRLEN <= end) {
					na = (struct nlattr *)p;
					if (na->nla_len < NLA_HDRLEN || p + na->nla_len > end)
						break;
					switch (na->nla_type & NLA_TYPE_MASK) {
					case CTRL_ATTR_FAMILY_ID:
						memcpy(&fam.id, nla_payload(na, 2, "family id"), 2);
						break;
					case CTRL_ATTR_VERSION:
						memcpy(&fam.version, nla_payload(na, 4, "version"), 4);
						break;
					case CTRL_ATTR_HDRSIZE:
						memcpy(&fam.hdrsize, nla_payload(na, 4, "hdrsize"), 4);
						break;
					case CTRL_ATTR_MAXATTR:
						memcpy(&fam.maxattr, nla_payload(na, 4, "maxattr"), 4);
						break;
					}
					p += NLA_ALIGN(na->nla_len);
				}
				done = 1;
			}
		}
	}
	if (!fam.id)
		fail(EPROTO, "no family id in the controller's reply");
	return fam;
}

/* ---------------------------------------------------------- task records */

struct buf { char *p; size_t len, cap; };

static void buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

#define MAX_GROUP 64

struct task {
	int active;
	uint32_t pid, tgid;
	unsigned msgs;
	uint64_t present;		/* bit per attribute id seen */
	size_t attr_len[MAX_GROUP];	/* bytes per attribute id (summed over CONT) */
	struct task_diag_base base;
	struct task_diag_creds creds;
	struct task_diag_stat stat;
	struct task_diag_statm statm;
	struct task_diag_sched sched;
	struct task_diag_tty tty;
	struct task_diag_mem mem;
	struct task_diag_signal signal;
	struct buf cmdline;
	struct buf vma;			/* concatenated VMA records */
	unsigned nvma;
};

static struct task cur;
static int cur_cont;			/* the last message of cur had FLAG_CONT */
static uint64_t ntasks;
static int quiet;
static unsigned pause_ms;		/* sleep after each datagram of a dump */
static const char *cmdline_dir, *maps_dir;

static char state_letter(unsigned s)
{
	static const char letters[] = TASK_DIAG_STATE_CHARS;

	if (s < sizeof(letters) - 1)
		return letters[s];
	return '?';
}

static void print_comm(const char *comm, size_t max)
{
	size_t i;

	for (i = 0; i < max && comm[i]; i++) {
		unsigned char c = comm[i];

		if (c <= ' ' || c == '\\' || c >= 0x7f)
			printf("\\%03o", c);
		else
			putchar(c);
	}
}

static void write_file(const char *dir, uint32_t pid, const void *data, size_t len)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%u", dir, pid);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fail(errno, "%s: %s", path, strerror(errno));
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0)
			fail(errno, "%s: %s", path, strerror(errno));
		data = (const char *)data + n;
		len -= n;
	}
	close(fd);
}

/*
 * One VMA record of avail bytes or more: its length within avail, a multiple
 * of the alignment, and its name inside it and NUL-terminated.
 */
static struct task_diag_vma check_vma_record(const struct task *t, const char *rec, size_t avail)
{
	struct task_diag_vma hdr, *v = &hdr;

	/* a VMA payload is only 4-byte aligned inside a datagram: copy the header */
	memcpy(&hdr, rec, sizeof(hdr));
	if (v->vma_len < sizeof(*v) || v->vma_len > avail ||
	    v->vma_len % TASK_DIAG_VMA_ALIGN)
		fail(EPROTO, "pid %u: bad VMA record length %u", t->pid, v->vma_len);
	if (v->name_len) {
		const char *name = rec + v->name_off;

		if (v->name_off < sizeof(*v) || v->name_off > v->vma_len ||
		    v->name_len > v->vma_len - v->name_off || name[v->name_len - 1])
			fail(EPROTO, "pid %u: bad VMA name (offset %u, length %u)",
			     t->pid, v->name_off, v->name_len);
	} else if (v->name_off) {
		fail(EPROTO, "pid %u: VMA name offset without a name", t->pid);
	}
	return hdr;
}

/* Render the VMA records of a task the way /proc/PID/maps shows them. */
static void write_maps(const struct task *t)
{
	struct buf out = { 0 };
	size_t off = 0;
	char line[256];

	while (off + sizeof(struct task_diag_vma) <= t->vma.len) {
		struct task_diag_vma hdr = check_vma_record(t, t->vma.p + off, t->vma.len - off);
		const struct task_diag_vma *v = &hdr;
		const char *name = NULL;
		int n;

		if (v->name_len)
			name = t->vma.p + off + v->name_off;
		n = snprintf(line, sizeof(line), "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
			     (unsigned long long)v->start, (unsigned long long)v->end,
			     v->vm_flags & TASK_DIAG_VMA_F_READ ? 'r' : '-',
			     v->vm_flags & TASK_DIAG_VMA_F_WRITE ? 'w' : '-',
			     v->vm_flags & TASK_DIAG_VMA_F_EXEC ? 'x' : '-',
			     v->vm_flags & TASK_DIAG_VMA_F_MAYSHARE ? 's' : 'p',
			     (unsigned long long)v->pgoff,
			     v->major, v->minor, (unsigned long long)v->inode);
		buf_add(&out, line, n);
		if (name) {
			/* procfs pads the prefix to 73 columns, then one space */
			static const char spaces[] = "                                                                          ";
			int width = 25 + (int)sizeof(void *) * 6 - 1;

			if (n < width)
				buf_add(&out, spaces, width - n);
			buf_add(&out, " ", 1);
			size_t k, nl = strnlen(name, v->name_len);

			for (k = 0; k < nl; k++) {
				/* procfs escapes newlines in file paths */
				if (name[k] == '\n' && name[0] == '/')
					buf_add(&out, "\\012", 4);
				else
					buf_add(&out, name + k, 1);
			}
		}
		buf_add(&out, "\n", 1);
		off += v->vma_len;
	}
	write_file(maps_dir, t->pid, out.p, out.len);
	free(out.p);
}

static void flush_task(void)
{
	struct task *t = &cur;
	unsigned i;

	if (!t->active)
		return;
	ntasks++;
	if (!quiet) {
		printf("pid=%u tgid=%u", t->pid, t->tgid);
		if (t->present & (1ULL << TASK_DIAG_BASE))
			printf(" ppid=%u tpid=%u sid=%u pgid=%u state=%c bflags=%u",
			       t->base.ppid, t->base.tpid, t->base.sid, t->base.pgid,
			       state_letter(t->base.state), t->base.base_flags);
		if (t->present & (1ULL << TASK_DIAG_CRED)) {
			const struct task_diag_creds *c = &t->creds;

			printf(" uid=%u,%u,%u,%u gid=%u,%u,%u,%u",
			       c->uid, c->euid, c->suid, c->fsuid,
			       c->gid, c->egid, c->sgid, c->fsgid);
			printf(" capinh=%08x%08x capprm=%08x%08x capeff=%08x%08x capbnd=%08x%08x",
			       c->cap_inheritable.cap[1], c->cap_inheritable.cap[0],
			       c->cap_permitted.cap[1], c->cap_permitted.cap[0],
			       c->cap_effective.cap[1], c->cap_effective.cap[0],
			       c->cap_bset.cap[1], c->cap_bset.cap[0]);
		}
		if (t->present & (1ULL << TASK_DIAG_STAT)) {
			const struct task_diag_stat *s = &t->stat;

			printf(" minflt=%llu cminflt=%llu majflt=%llu cmajflt=%llu"
			       " utime=%llu stime=%llu cutime=%llu cstime=%llu threads=%u",
			       (unsigned long long)s->minflt, (unsigned long long)s->cminflt,
			       (unsigned long long)s->majflt, (unsigned long long)s->cmajflt,
			       (unsigned long long)s->utime, (unsigned long long)s->stime,
			       (unsigned long long)s->cutime, (unsigned long long)s->cstime,
			       s->threads);
		}
		if (t->present & (1ULL << TASK_DIAG_STATM)) {
			const struct task_diag_statm *m = &t->statm;

			printf(" statm=%llu,%llu,%llu,%llu,%llu,%llu,%llu",
			       (unsigned long long)m->size, (unsigned long long)m->resident,
			       (unsigned long long)m->shared, (unsigned long long)m->text,
			       (unsigned long long)m->lib, (unsigned long long)m->data,
			       (unsigned long long)m->dirty);
		}
		if (t->present & (1ULL << TASK_DIAG_SCHED)) {
			const struct task_diag_sched *s = &t->sched;

			printf(" prio=%d nice=%d policy=%u rtprio=%u cpu=%u flags=%u start=%llu"
			       " nvcsw=%llu nivcsw=%llu", s->prio, s->nice, s->policy,
			       s->rt_priority, s->processor, s->flags,
			       (unsigned long long)s->start_time,
			       (unsigned long long)s->nvcsw, (unsigned long long)s->nivcsw);
		}
		if (t->present & (1ULL << TASK_DIAG_TTY))
			printf(" tty_nr=%u tpgid=%d", t->tty.tty_nr, t->tty.tpgid);
		if (t->present & (1ULL << TASK_DIAG_MEM)) {
			const __u64 *v = (const __u64 *)&t->mem;
			size_t k;

			printf(" mem=");
			for (k = 0; k < sizeof(t->mem) / sizeof(*v); k++)
				printf("%s%llu", k ? "," : "", (unsigned long long)v[k]);
		}
		if (t->present & (1ULL << TASK_DIAG_SIGNAL)) {
			const struct task_diag_signal *g = &t->signal;

			printf(" sig=%016llx,%016llx,%016llx,%016llx,%016llx",
			       (unsigned long long)g->pending, (unsigned long long)g->shared_pending,
			       (unsigned long long)g->blocked, (unsigned long long)g->ignored,
			       (unsigned long long)g->caught);
		}
		if (t->present & (1ULL << TASK_DIAG_VMA))
			printf(" vmas=%u", t->nvma);
		if (t->present & (1ULL << TASK_DIAG_CMDLINE))
			printf(" cmdline=%zu", t->cmdline.len);
		for (i = 0; i < MAX_GROUP; i++) {
			if (i <= TASK_DIAG_SIGNAL && i != TASK_DIAG_VMA_STAT)
				continue;
			if (t->present & (1ULL << i))
				printf(" a%u=%zu", i, t->attr_len[i]);
		}
		printf(" msgs=%u", t->msgs);
		if (t->present & (1ULL << TASK_DIAG_BASE)) {
			printf(" comm=");
			print_comm(t->base.comm, sizeof(t->base.comm));
		}
		putchar('\n');
		if (cmdline_dir && (t->present & (1ULL << TASK_DIAG_CMDLINE)))
			write_file(cmdline_dir, t->pid, t->cmdline.p, t->cmdline.len);
		if (maps_dir && (t->present & (1ULL << TASK_DIAG_VMA)))
			write_maps(t);
	}
	t->active = 0;
}

static void reset_task(uint32_t pid, uint32_t tgid)
{
	struct buf cl = cur.cmdline, vm = cur.vma;

	memset(&cur, 0, sizeof(cur));
	cl.len = vm.len = 0;
	cur.cmdline = cl;
	cur.vma = vm;
	cur.active = 1;
	cur.pid = pid;
	cur.tgid = tgid;
}

/* Copy a fixed-size attribute; shorter payloads (older module) are zero-extended. */
static void copy_fixed(void *dst, size_t size, const struct nlattr *na)
{
	size_t len = na->nla_len - NLA_HDRLEN;

	memset(dst, 0, size);
	memcpy(dst, NLA_DATA(na), len < size ? len : size);
}

static void count_vmas(struct task *t, const char *p, size_t len)
{
	size_t off = 0;

	while (off + sizeof(struct task_diag_vma) <= len) {
		struct task_diag_vma v = check_vma_record(t, p + off, len - off);

		t->nvma++;
		off += v.vma_len;
	}
	if (off != len)
		fail(EPROTO, "pid %u: trailing bytes in VMA attribute", t->pid);
}

static void handle_task_msg(struct nlmsghdr *nh)
{
	char *p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
	char *end = (char *)nh + nh->nlmsg_len;
	struct task_diag_msg *msg = (struct task_diag_msg *)p;

	if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN + sizeof(*msg)))
		fail(EPROTO, "message without struct task_diag_msg");
	if (cur_cont) {
		if (!cur.active || msg->pid != cur.pid)
			fail(EPROTO, "continuation of pid %u followed by pid %u", cur.pid, msg->pid);
	} else {
		flush_task();
		reset_task(msg->pid, msg->tgid);
	}
	cur.msgs++;
	cur_cont = !!(msg->flags & TASK_DIAG_FLAG_CONT);

	p += NLMSG_ALIGN(sizeof(*msg));
	while (p + NLA_HDRLEN <= end) {
		struct nlattr *na = (struct nlattr *)p;
		unsigned type = na->nla_type & NLA_TYPE_MASK;
		size_t len;

		if (na->nla_len < NLA_HDRLEN || p + na->nla_len > end)
			fail(EPROTO, "pid %u: bad attribute length", cur.pid);
		len = na->nla_len - NLA_HDRLEN;
		if (type < MAX_GROUP) {
			cur.present |= 1ULL << type;
			cur.attr_len[type] += len;
		}
		switch (type) {
		case TASK_DIAG_BASE:
			copy_fixed(&cur.base, sizeof(cur.base), na);
			break;
		case TASK_DIAG_CRED:
			copy_fixed(&cur.creds, sizeof(cur.creds), na);
			break;
		case TASK_DIAG_STAT:
			copy_fixed(&cur.stat, sizeof(cur.stat), na);
			break;
		case TASK_DIAG_STATM:
			copy_fixed(&cur.statm, sizeof(cur.statm), na);
			break;
		case TASK_DIAG_SCHED:
			copy_fixed(&cur.sched, sizeof(cur.sched), na);
			break;
		case TASK_DIAG_TTY:
			copy_fixed(&cur.tty, sizeof(cur.tty), na);
			break;
		case TASK_DIAG_MEM:
			copy_fixed(&cur.mem, sizeof(cur.mem), na);
			break;
		case TASK_DIAG_SIGNAL:
			copy_fixed(&cur.signal, sizeof(cur.signal), na);
			break;
		case TASK_DIAG_CMDLINE:
			buf_add(&cur.cmdline, NLA_DATA(na), len);
			break;
		case TASK_DIAG_VMA:
			count_vmas(&cur, NLA_DATA(na), len);
			buf_add(&cur.vma, NLA_DATA(na), len);
			break;
		}
		p += NLA_ALIGN(na->nla_len);
	}
}

/* TASK_DIAG_CMD_GET_INFO: print what the module serves. */
static void print_info(const struct family *fam)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		struct task_diag_msg fam;
	} m;
	uint32_t myseq = seq++;

	memset(&m, 0, sizeof(m));
	m.nh.nlmsg_len = sizeof(m);
	m.nh.nlmsg_type = fam->id;
	m.nh.nlmsg_flags = NLM_F_REQUEST;
	m.nh.nlmsg_seq = myseq;
	m.gh.cmd = TASK_DIAG_CMD_GET_INFO;
	m.gh.version = TASK_DIAG_GENL_VERSION;
	nl_send(&m, sizeof(m));
	for (;;) {
		ssize_t n = nl_recv();
		struct nlmsghdr *nh;

		for (nh = (struct nlmsghdr *)rbuf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			char *p, *end;

			if (nh->nlmsg_seq != myseq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				int error = nl_error_of(nh);

				if (error > 0 || error < -4095)
					fail(EPROTO, "GET_INFO: bad error %d", error);
				fail(error ? -error : EPROTO, "GET_INFO: %s",
				     error ? strerror(-error) : "no reply");
			}
			if (nh->nlmsg_type != fam->id)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN +
							 NLMSG_ALIGN(sizeof(struct task_diag_msg))))
				fail(EPROTO, "GET_INFO: short reply");
			p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN + NLMSG_ALIGN(sizeof(struct task_diag_msg));
			end = (char *)nh + nh->nlmsg_len;
			while (p + NLA_HDRLEN <= end) {
				struct nlattr *na = (struct nlattr *)p;

				if (na->nla_len < NLA_HDRLEN || p + na->nla_len > end)
					fail(EPROTO, "GET_INFO: bad attribute");
				if ((na->nla_type & NLA_TYPE_MASK) == TASK_DIAG_INFO_ATTR) {
					struct task_diag_info info;

					copy_fixed(&info, sizeof(info), na);
					printf("family=%u genl_version=%u hdrsize=%u maxattr=%u "
					       "version=%u hidepid=%u show_flags=0x%llx strategies=0x%llx "
					       "self_only_flags=0x%llx policy=0x%x req_flags=0x%x\n",
					       fam->id, fam->version, fam->hdrsize, fam->maxattr,
					       info.version, info.hidepid,
					       (unsigned long long)info.show_flags,
					       (unsigned long long)info.strategies,
					       (unsigned long long)info.self_only_flags, info.policy,
					       info.req_flags);
					return;
				}
				p += NLA_ALIGN(na->nla_len);
			}
			fail(EPROTO, "GET_INFO: reply without TASK_DIAG_INFO_ATTR");
		}
	}
}

/* Returns 0 when the dump is complete. */
static int dump_once(uint16_t family, uint64_t flags, uint64_t strategy, uint32_t pid,
		     uint32_t req_flags, int short_request)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		struct task_diag_msg fam;
		struct nlattr na;
		struct task_diag_pid req;
	} __attribute__((packed)) m;
	size_t attr_len = short_request ? sizeof(m.req) - 8 : sizeof(m.req);
	uint32_t myseq = seq++;

	_Static_assert(offsetof(typeof(m), na) ==
		       NLMSG_HDRLEN + GENL_HDRLEN + NLMSG_ALIGN(sizeof(struct task_diag_msg)),
		       "request layout");
	memset(&m, 0, sizeof(m));
	m.nh.nlmsg_type = family;
	m.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	m.nh.nlmsg_seq = myseq;
	m.gh.cmd = TASK_DIAG_CMD_GET;
	m.gh.version = TASK_DIAG_GENL_VERSION;
	m.na.nla_type = TASK_DIAG_CMD_ATTR_GET;
	m.na.nla_len = NLA_HDRLEN + attr_len;
	m.req.show_flags = flags;
	m.req.dump_strategy = strategy;
	m.req.pid = pid;
	m.req.flags = req_flags;
	m.nh.nlmsg_len = offsetof(typeof(m), req) + NLA_ALIGN(attr_len);
	nl_send(&m, m.nh.nlmsg_len);

	ntasks = 0;
	cur.active = 0;
	cur_cont = 0;
	for (;;) {
		ssize_t n = nl_recv();
		struct nlmsghdr *nh;

		if (pause_ms)
			usleep(pause_ms * 1000);
		for (nh = (struct nlmsghdr *)rbuf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != myseq)
				continue;	/* stale reply of an earlier request */
			if (nh->nlmsg_type == NLMSG_ERROR) {
				int error = nl_error_of(nh);

				if (error == 0)
					continue;
				if (error > 0 || error < -4095)
					fail(EPROTO, "dump: bad error %d", error);
				flush_task();
				fflush(stdout);
				fail(-error, "dump: %s (NLMSG_ERROR)", strerror(-error));
			}
			if (nh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(nh), sizeof(err));
				if (err > 0 || err < -4095)
					fail(EPROTO, "dump: bad NLMSG_DONE status %d", err);
				if (cur_cont)
					fail(EPROTO, "dump ended inside a continued task (pid %u)", cur.pid);
				flush_task();
				if (err < 0) {
					fflush(stdout);
					fail(-err, "dump: %s (NLMSG_DONE)", strerror(-err));
				}
				return 0;
			}
			if (nh->nlmsg_type == family)
				handle_task_msg(nh);
		}
		if (n)
			fail(EPROTO, "trailing bytes in a netlink datagram");
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "flags", required_argument, NULL, 'f' },
		{ "pid", required_argument, NULL, 'p' },
		{ "request-flags", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "loop", required_argument, NULL, 'L' },
		{ "fd", required_argument, NULL, 'F' },
		{ "cmdline-dir", required_argument, NULL, 'C' },
		{ "maps-dir", required_argument, NULL, 'M' },
		{ "short-request", no_argument, NULL, 'S' },
		{ "info", no_argument, NULL, 'I' },
		{ "pause-ms", required_argument, NULL, 'P' },
		{ "replay", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t strategy = TASK_DIAG_DUMP_ALL, flags = 1ULL << TASK_DIAG_BASE;
	uint64_t loops = 1, i;
	uint32_t pid = 0, req_flags = 0;
	int short_request = 0, info = 0, opt;
	struct family fam;

	while ((opt = getopt_long(argc, argv, "s:f:p:r:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': strategy = parse_strategy(optarg); break;
		case 'f': flags = parse_flags(optarg); break;
		case 'p': pid = parse_number(optarg, "pid"); break;
		case 'r': req_flags = parse_number(optarg, "request flags"); break;
		case 'q': quiet = 1; break;
		case 'L': loops = parse_number(optarg, "loop count"); break;
		case 'F': sock = parse_number(optarg, "fd"); break;
		case 'C': cmdline_dir = optarg; break;
		case 'M': maps_dir = optarg; break;
		case 'S': short_request = 1; break;
		case 'I': info = 1; break;
		case 'P': pause_ms = parse_number(optarg, "pause"); break;
		case 'R':
			replay = fopen(optarg, "rb");
			if (!replay)
				fail(errno, "%s: %s", optarg, strerror(errno));
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	rbuf = xrealloc(NULL, RECV_BUF_SIZE);
	if (replay) {
		fam.id = TASK_DIAG_REPLAY_FAMILY;
	} else if (sock < 0) {
		sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
		if (sock < 0)
			fail(errno, "socket: %s", strerror(errno));
	}
	if (!replay)
		fam = resolve_family(TASK_DIAG_GENL_NAME);
	if (info) {
		print_info(&fam);
		return fflush(stdout) ? EIO : 0;
	}
	for (i = 0; i < loops; i++) {
		int q = quiet;

		if (i + 1 < loops)
			quiet = 1;
		dump_once(fam.id, flags, strategy, pid, req_flags, short_request);
		quiet = q;
	}
	if (quiet)
		printf("%" PRIu64 "\n", ntasks);
	return fflush(stdout) ? EIO : 0;
}
