// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: the VMA group, one record per line of /proc/PID/maps.
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
#include <linux/string.h>

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

/* Copy a NUL-terminated name to buf; its length with the NUL, or 0 if too long. */
static size_t td_name_copy(char *buf, size_t size, const char *name)
{
	ssize_t n = strscpy(buf, name, size);

	return n < 0 ? 0 : n + 1;
}

/*
 * Write the pathname column of /proc/PID/maps for this mapping (unescaped)
 * to buf (size bytes, inside the skb). Returns its length with the NUL, 0
 * for no name, -EMSGSIZE when it does not fit.
 */
static ssize_t td_vma_name(struct vm_area_struct *vma, char *buf, size_t size)
{
	struct mm_struct *mm = vma->vm_mm;
	const char *anon = td_vma_anon_name(vma);
	const char *name;
	size_t n;
	int len;

	if (vma->vm_file) {
		if (anon) {
			len = snprintf(buf, size, "[anon_shmem:%s]", anon);
			return len < size ? len + 1 : -EMSGSIZE;
		}
		/* d_path builds the name at the end of buf: move it down. */
		name = d_path(td_file_user_path(vma->vm_file), buf, size);
		if (IS_ERR(name)) {
			/* Longer than an empty buffer holds: send it nameless. */
			if (PTR_ERR(name) == -ENAMETOOLONG && size >= PATH_MAX)
				return 0;
			return PTR_ERR(name) == -ENAMETOOLONG ? -EMSGSIZE : 0;
		}
		n = buf + size - name;
		memmove(buf, name, n);
		return n;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
		if (name)
			return td_name_copy(buf, size, name) ?: -EMSGSIZE;
	}
	if (!mm)
		return td_name_copy(buf, size, "[vdso]") ?: -EMSGSIZE;
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return td_name_copy(buf, size, "[heap]") ?: -EMSGSIZE;
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return td_name_copy(buf, size, "[stack]") ?: -EMSGSIZE;
	if (anon) {
		len = snprintf(buf, size, "[anon:%s]", anon);
		return len < size ? len + 1 : -EMSGSIZE;
	}
	return 0;
}

/*
 * Append one record; -EMSGSIZE if it does not fit in room bytes. The name is
 * written straight into the skb: no buffer per mapping.
 */
static int td_put_vma(struct sk_buff *skb, struct vm_area_struct *vma,
		      unsigned int *room)
{
	struct task_diag_vma *r;
	size_t len, hdr = sizeof(*r);
	ssize_t name_len;

	if (*room < ALIGN(hdr, TASK_DIAG_VMA_ALIGN))
		return -EMSGSIZE;
	r = (struct task_diag_vma *)skb_tail_pointer(skb);
	name_len = td_vma_name(vma, (char *)(r + 1), *room - hdr);
	if (name_len < 0)
		return name_len;
	len = ALIGN(hdr + name_len, TASK_DIAG_VMA_ALIGN);
	if (len > *room)
		return -EMSGSIZE;

	skb_put(skb, len);
	memset(r, 0, hdr);
	memset((char *)(r + 1) + name_len, 0, len - hdr - name_len);
	r->start = vma->vm_start;
	r->end = vma->vm_end;
	r->vm_flags = td_vma_flags(vma->vm_flags);
	if (vma->vm_file) {
		const struct inode *inode = td_file_user_inode(vma->vm_file);

		r->pgoff = (u64)vma->vm_pgoff << PAGE_SHIFT;
		r->major = MAJOR(inode->i_sb->s_dev);
		r->minor = MINOR(inode->i_sb->s_dev);
		r->inode = inode->i_ino;
		/* generation stays 0: /proc/PID/maps does not show it. */
	}
	r->vma_len = len;
	if (name_len) {
		r->name_off = hdr;
		r->name_len = name_len;
	}
	*room -= len;
	return 0;
}

/*
 * Resumable: *pos is the end of the last mapping sent; a continuation lists
 * the mappings that start at or after it, so a mapping split or merged
 * meanwhile is not sent twice. Reads the pinned mm only.
 */
int td_fill_vma(struct sk_buff *skb, const struct td_task_ctx *c,
		unsigned long *pos, bool *partial)
{
	struct mm_struct *mm = c->mm;
	struct vm_area_struct *vma;
	struct nlattr *attr;
	unsigned int room;
	int n = 0, err = 0;

	*partial = false;
	if (skb_tailroom(skb) < nla_total_size(sizeof(struct task_diag_vma)))
		return -EMSGSIZE;

	if (!mm) {
		/* No mappings: an empty attribute. */
		return nla_reserve(skb, TASK_DIAG_VMA, 0) ? 0 : -EMSGSIZE;
	}
	if (mmap_read_lock_killable(mm))
		return -EINTR;

	attr = skb_put(skb, NLA_HDRLEN);
	attr->nla_type = TASK_DIAG_VMA;
	room = td_payload_room(skb);

	vma = find_vma(mm, *pos);
	/* A mapping reaching below the resume point was (partly) sent. */
	if (vma && vma->vm_start < *pos)
		vma = find_vma(mm, vma->vm_end);
	for (; vma; vma = find_vma(mm, vma->vm_end)) {
		err = td_put_vma(skb, vma, &room);
		if (err)
			break;
		*pos = vma->vm_end;
		n++;
	}
	mmap_read_unlock(mm);

	if (err && !n) {
		/* Not even one record fits: leave no attribute behind. */
		skb_trim(skb, (unsigned char *)attr - skb->data);
		return err;
	}
	td_attr_end(skb, attr);
	*partial = err != 0;
	return err;
}
