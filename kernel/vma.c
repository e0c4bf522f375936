// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: the VMA group, one record per line of /proc/PID/maps.
 * Resumable: *pos is one past the start address of the last record sent, so a
 * continuation lists the mappings starting after it.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/kdev_t.h>
#include <linux/mmap_lock.h>
#include <linux/path.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "internal.h"
#include "compat.h"

static const struct {
	unsigned long vm;
	u64 td;
} td_vma_flag_map[] = {
	{ VM_READ, TASK_DIAG_VMA_F_READ },
	{ VM_WRITE, TASK_DIAG_VMA_F_WRITE },
	{ VM_EXEC, TASK_DIAG_VMA_F_EXEC },
	{ VM_SHARED, TASK_DIAG_VMA_F_SHARED },
	{ VM_MAYREAD, TASK_DIAG_VMA_F_MAYREAD },
	{ VM_MAYWRITE, TASK_DIAG_VMA_F_MAYWRITE },
	{ VM_MAYEXEC, TASK_DIAG_VMA_F_MAYEXEC },
	{ VM_MAYSHARE, TASK_DIAG_VMA_F_MAYSHARE },
	{ VM_GROWSDOWN, TASK_DIAG_VMA_F_GROWSDOWN },
	{ VM_PFNMAP, TASK_DIAG_VMA_F_PFNMAP },
	{ VM_LOCKED, TASK_DIAG_VMA_F_LOCKED },
	{ VM_IO, TASK_DIAG_VMA_F_IO },
	{ VM_SEQ_READ, TASK_DIAG_VMA_F_SEQ_READ },
	{ VM_RAND_READ, TASK_DIAG_VMA_F_RAND_READ },
	{ VM_DONTCOPY, TASK_DIAG_VMA_F_DONTCOPY },
	{ VM_DONTEXPAND, TASK_DIAG_VMA_F_DONTEXPAND },
	{ VM_ACCOUNT, TASK_DIAG_VMA_F_ACCOUNT },
	{ VM_NORESERVE, TASK_DIAG_VMA_F_NORESERVE },
	{ VM_HUGETLB, TASK_DIAG_VMA_F_HUGETLB },
	{ VM_DONTDUMP, TASK_DIAG_VMA_F_DONTDUMP },
	{ VM_MIXEDMAP, TASK_DIAG_VMA_F_MIXEDMAP },
	{ VM_HUGEPAGE, TASK_DIAG_VMA_F_HUGEPAGE },
	{ VM_NOHUGEPAGE, TASK_DIAG_VMA_F_NOHUGEPAGE },
	{ VM_MERGEABLE, TASK_DIAG_VMA_F_MERGEABLE },
};

static u64 td_vma_flags(unsigned long vm_flags)
{
	u64 f = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(td_vma_flag_map); i++)
		if (vm_flags & td_vma_flag_map[i].vm)
			f |= td_vma_flag_map[i].td;
	return f;
}

/*
 * The pathname column of /proc/PID/maps for this mapping (unescaped), or
 * NULL. buf (PATH_MAX bytes) holds the result when it is built here.
 */
static const char *td_vma_name(struct vm_area_struct *vma, char *buf)
{
	struct mm_struct *mm = vma->vm_mm;
	const char *name;

	if (vma->vm_file) {
#ifdef CONFIG_ANON_VMA_NAME
		if (vma->anon_name) {
			snprintf(buf, PATH_MAX, "[anon_shmem:%s]",
				 vma->anon_name->name);
			return buf;
		}
#endif
		name = d_path(td_file_user_path(vma->vm_file), buf, PATH_MAX);
		return IS_ERR(name) ? NULL : name;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
		if (name)
			return name;
	}
	if (!mm)
		return "[vdso]";
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
#ifdef CONFIG_ANON_VMA_NAME
	if (vma->anon_name) {
		snprintf(buf, PATH_MAX, "[anon:%s]", vma->anon_name->name);
		return buf;
	}
#endif
	return NULL;
}

/* Append one record; -EMSGSIZE if it does not fit in room bytes. */
static int td_put_vma(struct sk_buff *skb, struct vm_area_struct *vma,
		      char *buf, unsigned int *room)
{
	struct task_diag_vma *r;
	const char *name;
	size_t name_len = 0, len;

	name = td_vma_name(vma, buf);
	if (name)
		name_len = strlen(name) + 1;
	len = ALIGN(sizeof(*r) + name_len, TASK_DIAG_VMA_ALIGN);
	if (len > *room)
		return -EMSGSIZE;

	r = skb_put_zero(skb, len);
	r->start = vma->vm_start;
	r->end = vma->vm_end;
	r->vm_flags = td_vma_flags(vma->vm_flags);
	if (vma->vm_file) {
		const struct inode *inode = td_file_user_inode(vma->vm_file);

		r->pgoff = (u64)vma->vm_pgoff << PAGE_SHIFT;
		r->major = MAJOR(inode->i_sb->s_dev);
		r->minor = MINOR(inode->i_sb->s_dev);
		r->inode = inode->i_ino;
		r->generation = inode->i_generation;
	}
	r->vma_len = len;
	if (name_len) {
		r->name_off = sizeof(*r);
		r->name_len = name_len;
		memcpy(r + 1, name, name_len);
	}
	*room -= len;
	return 0;
}

int td_fill_vma(struct sk_buff *skb, const struct td_task_ctx *c,
		unsigned long *pos, bool *partial)
{
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	struct nlattr *attr;
	unsigned int room;
	unsigned long addr = *pos;
	int n = 0, err = 0;
	char *buf;

	*partial = false;
	if (skb_tailroom(skb) < nla_total_size(sizeof(struct task_diag_vma)))
		return -EMSGSIZE;

	mm = get_task_mm(c->task);
	if (!mm) {
		/* No mappings: an empty attribute. */
		return nla_reserve(skb, TASK_DIAG_VMA, 0) ? 0 : -EMSGSIZE;
	}
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf) {
		mmput(mm);
		return -ENOMEM;
	}
	if (mmap_read_lock_killable(mm)) {
		kfree(buf);
		mmput(mm);
		return -EINTR;
	}

	attr = skb_put(skb, NLA_HDRLEN);
	attr->nla_type = TASK_DIAG_VMA;
	room = td_payload_room(skb);

	vma = find_vma(mm, addr);
	/* Resuming: skip a mapping that starts before the resume point. */
	if (vma && vma->vm_start < addr)
		vma = find_vma(mm, vma->vm_end);
	for (; vma; vma = find_vma(mm, vma->vm_end)) {
		err = td_put_vma(skb, vma, buf, &room);
		if (err)
			break;
		*pos = vma->vm_start + 1;
		n++;
	}
	mmap_read_unlock(mm);
	kfree(buf);
	mmput(mm);

	if (err && !n) {
		/* Not even one record fits: leave no attribute behind. */
		skb_trim(skb, (unsigned char *)attr - skb->data);
		return err;
	}
	td_attr_end(skb, attr);
	*partial = err != 0;
	return err;
}
