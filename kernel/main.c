// SPDX-License-Identifier: GPL-2.0
/*
 * task_diag: process information over generic netlink.
 * Family registration, the GET_INFO command and module parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stringify.h>
#include <net/genetlink.h>

#include "internal.h"

int td_hidepid;

static int td_hidepid_set(const char *val, const struct kernel_param *kp)
{
	int n, ret;

	ret = kstrtoint(val, 0, &n);
	if (ret)
		return ret;
	if (n != 0 && n != 2)
		return -EINVAL;
	WRITE_ONCE(td_hidepid, n);
	return 0;
}

static const struct kernel_param_ops td_hidepid_ops = {
	.set = td_hidepid_set,
	.get = param_get_int,
};
module_param_cb(hidepid, &td_hidepid_ops, &td_hidepid, 0644);
MODULE_PARM_DESC(hidepid,
		 "0 (default): follow the /proc mounts of the requester's pid namespace; 2: tasks the requester may not ptrace-read are invisible whatever /proc says");

/* The family header of a request is reserved: all zero (-EINVAL otherwise). */
int td_check_family_header(const struct nlmsghdr *nlh)
{
	const struct task_diag_msg *h = nlmsg_data(nlh) + GENL_HDRLEN;

	/* genetlink has checked that the header is there (hdrsize). */
	if (h->pid || h->tgid || h->flags)
		return -EINVAL;
	return 0;
}

static int td_info_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct task_diag_info ti = {
		.version = TASK_DIAG_GENL_VERSION,
		.show_flags = TD_SERVED_GROUPS,
		.strategies = TD_SERVED_STRATEGIES,
		.req_flags = TASK_DIAG_REQ_ALL,
	};
	struct task_diag_msg *hdr;
	struct td_viewer v = {};
	struct sk_buff *msg;
	int ret;

	ret = td_check_family_header(info->nlhdr);
	if (ret)
		return ret;
	/* doit runs in the sender's sendmsg(): current is the requester. */
	ret = td_policy(&v, skb);
	if (ret)
		return ret;
	ti.hidepid = v.hidepid;
	ti.policy = v.policy;
	if (v.policy & TASK_DIAG_POLICY_LSM)
		ti.self_only_flags = TD_GATED_GROUPS;

	msg = genlmsg_new(nla_total_size(sizeof(ti)) + sizeof(*hdr), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &td_family, 0, TASK_DIAG_CMD_GET_INFO);
	if (!hdr)
		goto nospace;
	memset(hdr, 0, sizeof(*hdr));
	if (nla_put(msg, TASK_DIAG_INFO_ATTR, sizeof(ti), &ti))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct nla_policy td_nla_policy[TASK_DIAG_CMD_ATTR_MAX + 1] = {
	/* Length checked by the handler: a wrong size is -EINVAL. */
	[TASK_DIAG_CMD_ATTR_GET] = { .type = NLA_BINARY },
};

static const struct genl_ops td_ops[] = {
	{
		.cmd = TASK_DIAG_CMD_GET,
		.doit = td_get_doit,
		.start = td_dump_start,
		.dumpit = td_dumpit,
		.done = td_dump_done,
	},
	{
		.cmd = TASK_DIAG_CMD_GET_INFO,
		.doit = td_info_doit,
	},
};

struct genl_family td_family __ro_after_init = {
	.name = TASK_DIAG_GENL_NAME,
	.version = TASK_DIAG_GENL_VERSION,
	.hdrsize = sizeof(struct task_diag_msg),
	.maxattr = TASK_DIAG_CMD_ATTR_MAX,
	.policy = td_nla_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = td_ops,
	.n_ops = ARRAY_SIZE(td_ops),
	/* .resv_start_op stays 0: every command is strictly validated. */
};

static int __init td_init(void)
{
	int ret;

	ret = td_proc_policy_init();
	if (ret)
		return ret;
	ret = genl_register_family(&td_family);
	if (ret) {
		pr_err("cannot register generic netlink family: %d\n", ret);
		td_proc_policy_exit();
	}
	return ret;
}

static void __exit td_exit(void)
{
	genl_unregister_family(&td_family);
	td_proc_policy_exit();
}

module_init(td_init);
module_exit(td_exit);

MODULE_LICENSE("GPL");
/* The protocol version doubles as the package version dkms installs (kernel/dkms.conf). */
MODULE_VERSION(__stringify(TASK_DIAG_GENL_VERSION));
MODULE_DESCRIPTION("task_diag: process information over generic netlink (pstd)");
MODULE_ALIAS_GENL_FAMILY(TASK_DIAG_GENL_NAME);
