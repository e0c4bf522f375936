// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: TASK_DIAG_CMD_GET dumps.
 *
 * Iteration is by pid number in the requester's pid namespace with
 * find_ge_pid(), so a dump split across many buffers resumes exactly where it
 * stopped: tasks alive for the whole dump are listed once, tasks that come or
 * go are listed at most once. ALL and CHILDREN look at thread-group ids,
 * ALL_THREAD and THREAD at thread ids; CHILDREN and THREAD filter on the real
 * parent / thread group under RCU (tasklist_lock is not exported).
 *
 * State kept between dumpit calls (cb->args):
 *   [0] next pid number to look at (the task in progress while continuing)
 *   [1] attribute id to continue with, plus one (0: no task in progress)
 *   [2] VMA resume position (one past the last start address sent)
 *   [3] CMDLINE resume position (byte offset)
 *   [4] tgid number of the task in progress
 *   [5] struct td_dump * (request and viewer, freed in .done)
 */
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "internal.h"

enum {
	TD_ARG_NEXT = 0,
	TD_ARG_CONT,
	TD_ARG_VMA_POS,
	TD_ARG_CMD_POS,
	TD_ARG_CONT_TGID,
	TD_ARG_DUMP,
};

#define TD_VMA_MIN_DUMP_ALLOC 8192

struct td_dump {
	u64 show_flags;
	u32 strategy;
	struct pid *target;	/* ONE: the task; THREAD/CHILDREN: its thread group */
	int target_nr;		/* ONE: its pid number */
	bool finished;
	struct td_viewer v;
};

static inline struct td_dump *td_dump_of(struct netlink_callback *cb)
{
	return (struct td_dump *)cb->args[TD_ARG_DUMP];
}

int td_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	/* TASK_DIAG_CMD_GET is a dump: NLM_F_DUMP is required. */
	return -EINVAL;
}

static int td_parse_request(const struct nlmsghdr *nlh,
			    struct task_diag_pid *req)
{
	const struct nlattr *attr;

	attr = nlmsg_find_attr(nlh, GENL_HDRLEN + sizeof(struct task_diag_msg),
			       TASK_DIAG_CMD_ATTR_GET);
	if (!attr || nla_len(attr) != sizeof(*req))
		return -EINVAL;
	memcpy(req, nla_data(attr), sizeof(*req));
	if (req->dump_strategy > TASK_DIAG_DUMP_MAX)
		return -EINVAL;
	if (req->show_flags & ~TASK_DIAG_SHOW_ALL)
		return -EINVAL;
	if (req->show_flags & ~TD_SERVED_GROUPS)
		return -EOPNOTSUPP;
	return 0;
}

/* Resolve the pid of ONE/THREAD/CHILDREN; -ESRCH if the viewer cannot see it. */
static int td_resolve_target(struct td_dump *d, u32 nr)
{
	struct task_struct *task;
	struct pid *pid;
	int ret = -ESRCH;

	if (!nr || nr > INT_MAX)
		return -ESRCH;
	rcu_read_lock();
	pid = find_pid_ns(nr, d->v.pid_ns);
	task = pid ? pid_task(pid, PIDTYPE_PID) : NULL;
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return -ESRCH;

	if (td_task_visible(&d->v, task)) {
		if (d->strategy == TASK_DIAG_DUMP_ONE) {
			d->target = get_task_pid(task, PIDTYPE_PID);
			d->target_nr = nr;
		} else {
			d->target = get_task_pid(task, PIDTYPE_TGID);
		}
		ret = d->target ? 0 : -ESRCH;
	}
	put_task_struct(task);
	return ret;
}

int td_dump_start(struct netlink_callback *cb)
{
	struct task_diag_pid req;
	struct td_dump *d;
	int ret;

	ret = td_parse_request(cb->nlh, &req);
	if (ret)
		return ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->show_flags = req.show_flags;
	d->strategy = req.dump_strategy;
	ret = td_viewer_capture(&d->v, cb->skb);
	if (ret)
		goto err;

	switch (d->strategy) {
	case TASK_DIAG_DUMP_ONE:
	case TASK_DIAG_DUMP_THREAD:
	case TASK_DIAG_DUMP_CHILDREN:
		ret = td_resolve_target(d, req.pid);
		if (ret)
			goto err;
		break;
	}

	/* A VMA record with a PATH_MAX name must fit in an empty buffer. */
	if (d->show_flags & TASK_DIAG_SHOW_VMA)
		cb->min_dump_alloc = max_t(u32, cb->min_dump_alloc, TD_VMA_MIN_DUMP_ALLOC);

	memset(cb->args, 0, sizeof(cb->args));
	cb->args[TD_ARG_NEXT] = d->strategy == TASK_DIAG_DUMP_ONE ?
				d->target_nr : 1;
	cb->args[TD_ARG_DUMP] = (long)d;
	return 0;

err:
	td_viewer_release(&d->v);
	put_pid(d->target);
	kfree(d);
	return ret;
}

int td_dump_done(struct netlink_callback *cb)
{
	struct td_dump *d = td_dump_of(cb);

	if (d) {
		td_viewer_release(&d->v);
		put_pid(d->target);
		kfree(d);
		cb->args[TD_ARG_DUMP] = 0;
	}
	return 0;
}

/*
 * The task the strategy lists for this pid, or NULL. Caller holds RCU.
 * *whole tells whether STAT carries whole-process values.
 */
static struct task_struct *td_pick(struct td_dump *d, struct pid *pid,
				   bool *whole)
{
	struct task_struct *task;

	switch (d->strategy) {
	case TASK_DIAG_DUMP_ALL:
		*whole = true;
		return pid_task(pid, PIDTYPE_TGID);
	case TASK_DIAG_DUMP_CHILDREN:
		*whole = true;
		task = pid_task(pid, PIDTYPE_TGID);
		if (task && task_tgid(rcu_dereference(task->real_parent)) ==
			    d->target)
			return task;
		return NULL;
	case TASK_DIAG_DUMP_ALL_THREAD:
		*whole = false;
		return pid_task(pid, PIDTYPE_PID);
	case TASK_DIAG_DUMP_THREAD:
		*whole = false;
		task = pid_task(pid, PIDTYPE_PID);
		if (task && task_tgid(task) == d->target)
			return task;
		return NULL;
	case TASK_DIAG_DUMP_ONE:
		if (pid != d->target)
			return NULL;
		task = pid_task(pid, PIDTYPE_PID);
		*whole = task && task_tgid(task) == pid;
		return task;
	}
	return NULL;
}

static int td_fill_group(struct sk_buff *skb, const struct td_task_ctx *c,
			 int id, struct netlink_callback *cb, bool *partial)
{
	unsigned long pos;
	int ret;

	*partial = false;
	switch (id) {
	case TASK_DIAG_BASE:
		return td_fill_base(skb, c);
	case TASK_DIAG_CRED:
		return td_fill_creds(skb, c);
	case TASK_DIAG_STAT:
		return td_fill_stat(skb, c);
	case TASK_DIAG_STATM:
		return td_fill_statm(skb, c);
	case TASK_DIAG_SCHED:
		return td_fill_sched(skb, c);
	case TASK_DIAG_TTY:
		return td_fill_tty(skb, c);
	case TASK_DIAG_MEM:
		return td_fill_mem(skb, c);
	case TASK_DIAG_SIGNAL:
		return td_fill_signal(skb, c);
	case TASK_DIAG_VMA:
		pos = cb->args[TD_ARG_VMA_POS];
		ret = td_fill_vma(skb, c, &pos, partial);
		cb->args[TD_ARG_VMA_POS] = pos;
		return ret;
	case TASK_DIAG_CMDLINE:
		pos = cb->args[TD_ARG_CMD_POS];
		ret = td_fill_cmdline(skb, c, &pos, partial);
		cb->args[TD_ARG_CMD_POS] = pos;
		return ret;
	}
	return 0;
}

static void td_cont_clear(struct netlink_callback *cb)
{
	cb->args[TD_ARG_CONT] = 0;
	cb->args[TD_ARG_VMA_POS] = 0;
	cb->args[TD_ARG_CMD_POS] = 0;
	cb->args[TD_ARG_CONT_TGID] = 0;
}

static struct task_diag_msg *td_msg_start(struct sk_buff *skb,
					  struct netlink_callback *cb,
					  u32 pid, u32 tgid)
{
	struct task_diag_msg *msg;

	msg = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &td_family, NLM_F_MULTI, TASK_DIAG_CMD_GET);
	if (msg) {
		msg->pid = pid;
		msg->tgid = tgid;
		msg->flags = 0;
	}
	return msg;
}

/*
 * Add the messages of one task. Returns 0 when the task is complete, 1 when
 * a message with TASK_DIAG_FLAG_CONT was added (continue in the next
 * buffer), -EMSGSIZE when nothing could be added, or another -errno.
 */
static int td_put_task(struct sk_buff *skb, struct netlink_callback *cb,
		       struct td_dump *d, struct task_struct *task, bool whole)
{
	struct td_task_ctx c = { .task = task, .v = &d->v, .whole = whole };
	struct task_diag_msg *msg;
	bool progress = false, partial, allowed = false, checked = false;
	int id, first, ret;

	msg = td_msg_start(skb, cb, task_pid_nr_ns(task, d->v.pid_ns),
			   task_tgid_nr_ns(task, d->v.pid_ns));
	if (!msg)
		return -EMSGSIZE;

	first = cb->args[TD_ARG_CONT] ? cb->args[TD_ARG_CONT] - 1 : 0;
	for (id = first; id <= TASK_DIAG_ATTR_MAX; id++) {
		if (!(d->show_flags & (1ULL << id)))
			continue;
		if (TD_GATED_GROUPS & (1ULL << id)) {
			if (!checked) {
				allowed = td_may_inspect(&d->v, task);
				checked = true;
			}
			if (!allowed)
				continue;
		}
		ret = td_fill_group(skb, &c, id, cb, &partial);
		if (!ret) {
			progress = true;
			continue;
		}
		if (ret != -EMSGSIZE || !(progress || partial)) {
			genlmsg_cancel(skb, msg);
			return ret;
		}
		/* Buffer full: send what we have, continue with this group. */
		msg->flags |= TASK_DIAG_FLAG_CONT;
		genlmsg_end(skb, msg);
		cb->args[TD_ARG_CONT] = id + 1;
		cb->args[TD_ARG_CONT_TGID] = msg->tgid;
		return 1;
	}
	genlmsg_end(skb, msg);
	td_cont_clear(cb);
	return 0;
}

/* The task in progress is gone: close its CONT sequence. */
static int td_put_cont_end(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct task_diag_msg *msg;

	msg = td_msg_start(skb, cb, cb->args[TD_ARG_NEXT],
			   cb->args[TD_ARG_CONT_TGID]);
	if (!msg)
		return -EMSGSIZE;
	genlmsg_end(skb, msg);
	td_cont_clear(cb);
	return 0;
}

int td_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct td_dump *d = td_dump_of(cb);
	struct task_struct *task;
	struct pid *pid;
	bool whole = false;
	int nr, ret;

	while (!d->finished) {
		cond_resched();
		nr = cb->args[TD_ARG_NEXT];
		rcu_read_lock();
		pid = find_ge_pid(nr, d->v.pid_ns);
		task = NULL;
		if (pid) {
			nr = pid_nr_ns(pid, d->v.pid_ns);
			task = td_pick(d, pid, &whole);
			if (task)
				get_task_struct(task);
		}
		rcu_read_unlock();

		if (cb->args[TD_ARG_CONT] && (nr != cb->args[TD_ARG_NEXT] ||
					      !task)) {
			if (task)
				put_task_struct(task);
			ret = td_put_cont_end(skb, cb);
			if (ret)
				goto full;
			continue;
		}
		if (!pid || (d->strategy == TASK_DIAG_DUMP_ONE &&
			     nr != d->target_nr)) {
			d->finished = true;
			break;
		}
		cb->args[TD_ARG_NEXT] = nr;
		if (!task) {
			cb->args[TD_ARG_NEXT] = nr + 1;
			continue;
		}

		ret = 0;
		if (td_task_visible(&d->v, task))
			ret = td_put_task(skb, cb, d, task, whole);
		put_task_struct(task);
		if (ret == 1)
			return skb->len;
		if (ret)
			goto full;
		cb->args[TD_ARG_NEXT] = nr + 1;
		if (d->strategy == TASK_DIAG_DUMP_ONE)
			d->finished = true;
	}
	return skb->len;

full:
	if (ret != -EMSGSIZE)
		return ret;
	/* Not even one message fits into an empty buffer: give up. */
	return skb->len ? skb->len : -EMSGSIZE;
}
