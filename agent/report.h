/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Exit codes, the final summary and --json of a dump-aware fence. */

#include <stdio.h>

#include "fence-sm.h"
#include "json-writer.h"
#include "nf-session.h"

/* Documented in nmifence(8) and README. */
enum {
        NF_EXIT_OK = 0,                 /* dump complete, power state verified */
        NF_EXIT_DUMP_FAILED = 1,        /* dump failed or incomplete, host fenced */
        NF_EXIT_NO_PANIC = 2,           /* no panic seen (or host off): no dump; policy applied */
        NF_EXIT_BMC = 3,                /* BMC unusable (unreachable, auth, privilege): nothing done */
        NF_EXIT_USAGE = 4,              /* bad usage or configuration */
        NF_EXIT_FENCE_FAILED = 5,       /* power action not verified: host NOT known fenced */
        NF_EXIT_INTERRUPTED = 130,
};

#define NF_REPORT_MAX_RECORDS 64

typedef struct nf_report_record {
        nf_stage_msg msg;
        uint64_t t_ms;                  /* since start */
} nf_report_record;

typedef struct nf_report {
        const char *host;
        const char *bmc;
        nf_report_record records[NF_REPORT_MAX_RECORDS];
        size_t n_records;
        unsigned requests, reopens;
        nf_session_stats ipmi;          /* the session's wire counters at the end */
        bool joined;                    /* another agent ran the operation; this is its result */
        bool resumed;                   /* continued an operation a killed agent began */
        long owner_pid;                 /* the agent that sent the NMI, when joined or resumed */
        unsigned kdump_ignored;         /* fence_kdump datagrams ignored (source or format) */
        unsigned test_extra_nmis;       /* TEST ONLY: --test-extra-nmi diag requests sent */
        /* release=capture (release-decision.h): released means success at
         * the release point, and fence holds the state at that point, not
         * the end: the rest continues with release_to ("nmifenced", or the
         * joined operation's owner).  release_at: the evidence's stage
         * ("dump-start", ..., "power-off", "fence_kdump"). */
        bool release_capture;
        bool released;
        char release_at[24];
        char release_to[64];
} nf_report;

int nf_fence_exit_code(const nf_fence *f);
/* Every cause an exit code stands for. */
const char *nf_exit_code_str(int code);
/* What exit `code` means for this fence: exit 2's label from its dump
 * result ("host was powered off: nothing to dump"). */
const char *nf_fence_exit_meaning(const nf_fence *f, int code);
/* "<fail_reason>: <error>", the cause said once. */
const char *nf_fence_failure_text(const nf_fence *f, char *buf, size_t len);

void nf_report_summary(FILE *out, const nf_report *rep, const nf_fence *f);
void nf_report_json(FILE *out, const nf_report *rep, const nf_fence *f);
/* The same object inside a document being written (key NULL in arrays),
 * with the exit code the caller reports for it (a joined or interrupted
 * operation's is not the machine's). */
void nf_report_json_object(nf_json *j, const char *key, const nf_report *rep, const nf_fence *f, int exit_code);
