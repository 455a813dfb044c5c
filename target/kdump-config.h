/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the distribution's kdump tooling will pass to the capture kernel,
 * computed the way the tools themselves compute it.  Pure: the caller hands
 * in file contents, nothing here reads a file.
 *
 * Debian kdump-tools (debian/kdump-config.in, kdump_load()):
 *   /etc/default/kdump-tools is sourced as shell.  KDUMP_CMDLINE, when set,
 *   replaces /proc/cmdline; otherwise /proc/cmdline is copied minus
 *   crashkernel= abm= isolcpus= hugepages= hugepagesz= default_hugepagesz=
 *   edac_core.edac_report= edac_report= BOOT_IMAGE= processor.max_cstate=
 *   and, on x86_64, intel_iommu= iommu= intel_idle.max_cstate= (only the
 *   "key=value" forms).  KDUMP_CMDLINE_APPEND is appended; when it is unset
 *   or empty the package default is used.
 *
 * Fedora/RHEL kdump-utils (kdump-lib.sh, prepare_cmdline()):
 *   /etc/sysconfig/kdump is sourced.  KDUMP_COMMANDLINE, when set, replaces
 *   /proc/cmdline; every word whose key is listed in
 *   KDUMP_COMMANDLINE_REMOVE (default "hugepages hugepagesz slub_debug"),
 *   or is crashkernel, panic_on_warn, root, rd.lvm.lv, ... is removed, by
 *   key whatever its value; then KDUMP_COMMANDLINE_APPEND.
 */

#include <stdbool.h>
#include <stddef.h>

typedef enum nf_kdump_tool {
        NF_KDUMP_NONE = 0,
        NF_KDUMP_TOOLS,                 /* Debian/Ubuntu kdump-tools */
        NF_KDUMP_UTILS,                 /* Fedora/RHEL kdump-utils (kexec-tools before) */
} nf_kdump_tool;

const char *nf_kdump_tool_str(nf_kdump_tool t);

/* kdump-tools' built-in KDUMP_CMDLINE_APPEND on amd64 (debian/rules). */
#define NF_KDUMP_TOOLS_DEFAULT_APPEND \
        "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll nousb ata_piix.prefer_ms_hyperv=0"

/*
 * The value of the last assignment to NAME in a shell variable file
 * (NAME=word, NAME="...", NAME='...', optional "export ").  $VAR and
 * ${VAR} that refer to earlier assignments in the same text are expanded;
 * anything else that needs a shell ($(...), backticks, unknown variables)
 * sets *ret_unexpanded.  Returns true if NAME is assigned; *ret is a
 * malloc'ed string the caller frees.
 */
bool nf_shvar_get(const char *text, const char *name, char **ret, bool *ret_unexpanded);

/* Key of a kernel command line word: "apic_extnmi" for "apic_extnmi=none". */
size_t nf_cmdline_key_len(const char *word, size_t word_len);

/* Value of the LAST "key=value" for KEY on the command line (the kernel's
 * early_param handlers run for each occurrence, the last one wins).
 * Returns true if found; the value is copied into buf. */
bool nf_cmdline_get(const char *cmdline, const char *key, char *buf, size_t buflen);

/* true if a word with this key is present (with or without value). */
bool nf_cmdline_has_key(const char *cmdline, const char *key);

/* The capture kernel command line kdump-tools would build.  default_text is
 * /etc/default/kdump-tools (may be NULL).  Returns a malloc'ed string or
 * NULL on allocation failure; *ret_unexpanded as in nf_shvar_get. */
char *nf_kdump_tools_capture_cmdline(const char *proc_cmdline, const char *default_text, bool *ret_unexpanded);

/* The same for kdump-utils from /etc/sysconfig/kdump (may be NULL). */
char *nf_kdump_utils_capture_cmdline(const char *proc_cmdline, const char *sysconfig_text, bool *ret_unexpanded);

/* /etc/kdump.conf: the value of the last "KEY value" line, or false. */
bool nf_kdump_conf_get(const char *text, const char *key, char *buf, size_t buflen);

/* sysctl.conf syntax ("kernel.unknown_nmi_panic = 1", '/' or '.'
 * separators, '-' prefix): the last value for NAME (given with dots), as
 * an int; false if not set. */
bool nf_sysctl_conf_get(const char *text, const char *name, long *ret);

/* Does this command line make an NMI panic?  sysctl.kernel.unknown_nmi_panic
 * (also with '/'), sysctl.kernel.panic_on_unrecovered_nmi, or the
 * unknown_nmi_panic boot parameter, with a non-zero value.  The offending
 * word goes into buf. */
bool nf_cmdline_sets_nmi_panic(const char *cmdline, char *buf, size_t buflen);
