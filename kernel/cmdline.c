// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: the CMDLINE group, the bytes /proc/PID/cmdline returns.
 *
 * get_cmdline() and access_remote_vm() are not exported; this follows
 * procfs's rules with access_process_vm(), which looks task->mm up itself:
 * it is called only while the task is pinned (td_pin holds its
 * exec_update_lock), so task->mm is the pinned mm, or NULL once the task
 * has exited (then nothing is read), never the mm of a later exec.
 *   - no mm, or the argument area not set up yet: empty;
 *   - if the last byte of the argument area is not NUL, the program rewrote
 *     its arguments (setproctitle): the text runs from the start of the
 *     argument area to the first NUL (included) within one page, and never
 *     past the end of the environment when the environment follows the
 *     arguments;
 *   - otherwise exactly the argument area [arg_start, arg_end).
 * Resumable: *pos is the byte offset of the next byte to send.
 */
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "internal.h"

struct td_cmdline_src {
	unsigned long start;	/* user address of byte 0 */
	unsigned long len;	/* total length */
	char *title;		/* setproctitle case: the bytes, kmalloc'ed */
};

static int td_cmdline_source(struct task_struct *task, struct mm_struct *mm,
			     struct td_cmdline_src *src)
{
	unsigned long arg_start, arg_end, env_start, env_end, len;
	int got;
	char c;

	memset(src, 0, sizeof(*src));
	if (!mm->env_end)
		return 0;
	spin_lock(&mm->arg_lock);
	arg_start = mm->arg_start;
	arg_end = mm->arg_end;
	env_start = mm->env_start;
	env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);

	if (arg_start >= arg_end)
		return 0;
	if (env_start != arg_end || env_end < env_start)
		env_end = arg_end;
	len = env_end - arg_start;

	if (access_process_vm(task, arg_end - 1, &c, 1, FOLL_ANON) == 1 && c) {
		src->title = kmalloc(PAGE_SIZE, GFP_KERNEL);
		if (!src->title)
			return -ENOMEM;
		got = access_process_vm(task, arg_start, src->title, PAGE_SIZE,
					FOLL_ANON);
		if (got > 0) {
			unsigned long n = strnlen(src->title, got);

			if (n < got)
				n++;	/* the NUL is part of the text */
			src->len = min(n, len);
		}
		return 0;
	}
	src->start = arg_start;
	src->len = arg_end - arg_start;
	return 0;
}

int td_fill_cmdline(struct sk_buff *skb, const struct td_task_ctx *c,
		    unsigned long *pos, bool *partial)
{
	struct td_cmdline_src src = {};
	struct mm_struct *mm;
	struct nlattr *attr;
	unsigned long off = *pos, want;
	unsigned int room;
	int err = 0, got;

	*partial = false;
	if (skb_tailroom(skb) < nla_total_size(1))
		return -EMSGSIZE;

	mm = c->mm;
	if (mm) {
		err = td_cmdline_source(c->task, mm, &src);
		if (err)
			return err;
	}

	attr = skb_put(skb, NLA_HDRLEN);
	attr->nla_type = TASK_DIAG_CMDLINE;
	room = td_payload_room(skb);

	while (off < src.len && room) {
		want = min_t(unsigned long, src.len - off, room);
		if (src.title) {
			skb_put_data(skb, src.title + off, want);
			got = want;
		} else {
			got = access_process_vm(c->task, src.start + off,
						skb_tail_pointer(skb), want,
						FOLL_ANON);
			if (got <= 0)
				break;	/* unreadable: stop here, as procfs */
			skb_put(skb, got);
		}
		off += got;
		room -= got;
	}
	kfree(src.title);

	if (off < src.len && room == 0) {
		if (off == *pos) {
			/* Nothing fits: leave no attribute behind. */
			skb_trim(skb, (unsigned char *)attr - skb->data);
			return -EMSGSIZE;
		}
		err = -EMSGSIZE;
		*partial = true;
	}
	*pos = off;
	td_attr_end(skb, attr);
	return err;
}
