"""Backends produce task records for (strategy, show_flags): procfs today, netlink when the module is loaded."""
