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
 * State kept between dumpit calls: struct td_dump (cb->args[0], freed in
 * .done): the request, the viewer, the next pid number and the task in
 * progress. A task is split over several messages (TASK_DIAG_FLAG_CONT)
 * only when it does not fit in an empty buffer; otherwise its message is
 * cancelled and the task retried in the next buffer, as inet_diag does.
 */
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "internal.h"

/* Pids looked at without output before a non-empty buffer is handed out. */
#define TD_SCAN_BATCH 4096

#define TD_VMA_MIN_DUMP_ALLOC 8192

struct td_dump {
	u64 show_flags;
	u32 strategy;
	u32 req_flags;		/* TASK_DIAG_REQ_* */
	struct pid *target;	/* ONE: the task; THREAD/CHILDREN: its thread group */
	int target_nr;		/* ONE: its pid number */
	int next;		/* next pid number to look at */
	bool finished;

	/*
	 * The task in progress (its last message had TASK_DIAG_FLAG_CONT): the
	 * pid it was found by, held, and the exec id its data came from, so a
	 * reused pid number or an exec ends the sequence.
	 */
	struct pid *cont_pid;
	u64 cont_exec_id;
	u32 cont_nr, cont_tgid;	/* numbers sent in its messages */
	bool cont_whole;
	int cont_id;		/* attribute id to continue with */
	unsigned long vma_pos;	/* end of the last mapping sent */
	unsigned long cmd_pos;	/* next CMDLINE byte offset */

	struct td_viewer v;
};

static inline struct td_dump *td_dump_of(struct netlink_callback *cb)
{
	return (struct td_dump *)cb->args[0];
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
	int ret;

	ret = td_check_family_header(nlh);
	if (ret)
		return ret;
	attr = nlmsg_find_attr(nlh, GENL_HDRLEN + sizeof(struct task_diag_msg),
			       TASK_DIAG_CMD_ATTR_GET);
	if (!attr || nla_len(attr) != sizeof(*req))
		return -EINVAL;
	memcpy(req, nla_data(attr), sizeof(*req));
	if (req->flags & ~TASK_DIAG_REQ_ALL)
		return -EINVAL;
	if (req->dump_strategy > TASK_DIAG_DUMP_MAX)
		return -EINVAL;
	if (req->show_flags & ~TASK_DIAG_SHOW_ALL)
		return -EINVAL;
	if (req->show_flags & ~TD_SERVED_GROUPS)
		return -EOPNOTSUPP;
	return 0;
}

/* Is the task visible to the viewer right now (pinned for the check)? */
static int td_visible_now(const struct td_viewer *v, struct task_struct *task)
{
	struct td_pinned p;
	bool ok;
	int ret;

	ret = td_pin(&p, task);
	if (ret)
		return ret;
	ok = td_task_visible(v, &p);
	td_unpin(&p);
	return ok ? 0 : -ESRCH;
}

/* Resolve the pid of ONE/THREAD/CHILDREN; -ESRCH if the viewer cannot see it. */
static int td_resolve_target(struct td_dump *d, u32 nr)
{
	struct task_struct *task;
	struct pid *pid;
	int ret;

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

	ret = td_visible_now(&d->v, task);
	if (!ret) {
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

static void td_cont_clear(struct td_dump *d)
{
	put_pid(d->cont_pid);
	d->cont_pid = NULL;
	d->cont_id = 0;
	d->vma_pos = 0;
	d->cmd_pos = 0;
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
	d->req_flags = req.flags;
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

	d->next = d->strategy == TASK_DIAG_DUMP_ONE ? d->target_nr : 1;
	memset(cb->args, 0, sizeof(cb->args));
	cb->args[0] = (long)d;
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
		td_cont_clear(d);
		td_viewer_release(&d->v);
		put_pid(d->target);
		kfree(d);
		cb->args[0] = 0;
	}
	return 0;
}

/* Thread dumps: does this leader's STAT carry the process's values? */
static inline bool td_leader_whole(const struct td_dump *d,
				   struct task_struct *task, struct pid *pid)
{
	return (d->req_flags & TASK_DIAG_REQ_LEADER_WHOLE) &&
	       task_tgid(task) == pid;
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
		task = pid_task(pid, PIDTYPE_PID);
		*whole = task && td_leader_whole(d, task, pid);
		return task;
	case TASK_DIAG_DUMP_THREAD:
		task = pid_task(pid, PIDTYPE_PID);
		if (task && task_tgid(task) == d->target) {
			*whole = td_leader_whole(d, task, pid);
			return task;
		}
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
			 int id, struct td_dump *d, bool *partial)
{
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
		return td_fill_vma(skb, c, &d->vma_pos, partial);
	case TASK_DIAG_CMDLINE:
		return td_fill_cmdline(skb, c, &d->cmd_pos, partial);
	}
	return 0;
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
 * Add the messages of one task (cont: the continuation of the task in
 * progress). Returns 0 when the task is complete (or was not shown), 1 when
 * a message with TASK_DIAG_FLAG_CONT was added (continue in the next
 * buffer), -EMSGSIZE when the task must be retried in the next buffer, or
 * another -errno.
 */
static int td_put_task(struct sk_buff *skb, struct netlink_callback *cb,
		       struct td_dump *d, struct task_struct *task, bool whole,
		       bool cont)
{
	struct td_task_ctx c = { .task = task, .v = &d->v, .whole = whole };
	bool progress = false, partial, allowed = false, checked = false;
	bool empty = skb->len == 0;
	struct task_diag_msg *msg;
	struct td_pinned p;
	u32 nr, tgid;
	int id, ret;

	ret = td_pin(&p, task);
	if (ret)
		return ret;
	c.mm = p.mm;
	nr = task_pid_nr_ns(task, d->v.pid_ns);
	tgid = task_tgid_nr_ns(task, d->v.pid_ns);
	c.nr = nr;
	c.tgid = tgid;

	/*
	 * A continued gated group that is now refused (setresuid,
	 * PR_SET_DUMPABLE) must not be skipped: the sequence would end normally
	 * and the client take the partial list for the whole one.
	 */
	if (cont && (p.exec_id != d->cont_exec_id || nr != d->cont_nr ||
		     tgid != d->cont_tgid || !td_task_visible(&d->v, &p) ||
		     ((TD_GATED_GROUPS & (1ULL << d->cont_id)) &&
		      !td_may_inspect(&d->v, &p)))) {
		/* Another image, or no longer ours to see: end its sequence. */
		msg = td_msg_start(skb, cb, d->cont_nr, d->cont_tgid);
		ret = -EMSGSIZE;
		if (msg) {
			genlmsg_end(skb, msg);
			td_cont_clear(d);
			ret = 0;
		}
		goto out;
	}
	if (!cont && !td_task_visible(&d->v, &p)) {
		ret = 0;
		goto out;
	}

	ret = -EMSGSIZE;
	msg = td_msg_start(skb, cb, nr, tgid);
	if (!msg)
		goto out;

	for (id = cont ? d->cont_id : 0; id <= TASK_DIAG_ATTR_MAX; id++) {
		if (!(d->show_flags & (1ULL << id)))
			continue;
		if (TD_GATED_GROUPS & (1ULL << id)) {
			if (!checked) {
				allowed = td_may_inspect(&d->v, &p);
				checked = true;
			}
			if (!allowed)
				continue;
		}
		ret = td_fill_group(skb, &c, id, d, &partial);
		if (!ret) {
			progress = true;
			continue;
		}
		if (ret != -EMSGSIZE || !empty || !(progress || partial)) {
			/*
			 * An error, or the task does not fit in what is left of
			 * this buffer: drop the message; the task is tried again
			 * from its start in the next (empty) buffer.
			 */
			genlmsg_cancel(skb, msg);
			if (!cont) {
				d->vma_pos = 0;
				d->cmd_pos = 0;
			}
			goto out;
		}
		/* Too big for an empty buffer: send what fits, continue. */
		msg->flags |= TASK_DIAG_FLAG_CONT;
		genlmsg_end(skb, msg);
		if (!cont) {
			d->cont_pid = get_task_pid(task, PIDTYPE_PID);
			d->cont_exec_id = p.exec_id;
			d->cont_nr = nr;
			d->cont_tgid = tgid;
			d->cont_whole = whole;
		}
		d->cont_id = id;
		ret = 1;
		goto out;
	}
	genlmsg_end(skb, msg);
	td_cont_clear(d);
	ret = 0;
out:
	td_unpin(&p);
	return ret;
}

/* Continue the task in progress: the first thing of a fresh buffer. */
static int td_put_cont(struct sk_buff *skb, struct netlink_callback *cb,
		       struct td_dump *d)
{
	struct task_struct *task;
	struct task_diag_msg *msg;
	int ret;

	rcu_read_lock();
	/* A reused pid number has a new struct pid: this one has no task. */
	task = pid_task(d->cont_pid, PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();

	if (!task) {
		msg = td_msg_start(skb, cb, d->cont_nr, d->cont_tgid);
		if (!msg)
			return -EMSGSIZE;
		genlmsg_end(skb, msg);
		td_cont_clear(d);
		return 0;
	}
	ret = td_put_task(skb, cb, d, task, d->cont_whole, true);
	put_task_struct(task);
	return ret;
}

int td_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct td_dump *d = td_dump_of(cb);
	struct task_struct *task;
	unsigned int idle = 0, len;
	struct pid *pid;
	bool whole = false;
	int nr, ret;

	/* The reader may have paused since the last buffer: /proc may have changed. */
	td_policy_recheck(&d->v);

	if (d->cont_pid) {
		ret = td_put_cont(skb, cb, d);
		if (ret == 1)
			return skb->len;
		if (ret)
			return ret;
		/* The task was complete or gone: go on after it. */
		d->next = d->cont_nr + 1;
		if (d->strategy == TASK_DIAG_DUMP_ONE)
			d->finished = true;
	}

	while (!d->finished) {
		if (fatal_signal_pending(current))
			return skb->len ? skb->len : -EINTR;
		/* Bound the work for one buffer when pids without output pile up. */
		if (idle >= TD_SCAN_BATCH && skb->len)
			return skb->len;
		cond_resched();

		nr = d->next;
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

		if (!pid || (d->strategy == TASK_DIAG_DUMP_ONE &&
			     nr != d->target_nr)) {
			if (task)
				put_task_struct(task);
			d->finished = true;
			break;
		}
		d->next = nr;
		if (!task) {
			d->next = nr + 1;
			idle++;
			continue;
		}

		len = skb->len;
		ret = td_put_task(skb, cb, d, task, whole, false);
		put_task_struct(task);
		if (ret == 1)
			return skb->len;
		if (ret == -EMSGSIZE && skb->len)
			return skb->len;	/* retried in the next buffer */
		if (ret)
			return ret;
		idle = skb->len == len ? idle + 1 : 0;
		d->next = nr + 1;
		if (d->strategy == TASK_DIAG_DUMP_ONE)
			d->finished = true;
	}
	return skb->len;
}
