/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Assertions that go on after a failure, for a test program that reports
 * every check: each prints "ok: ..." or "FAIL: ...", and check_failures
 * counts the failures for main's exit code.  One test program per
 * including file (the counter is static).
 */

#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...)                                                 \
        do {                                                             \
                if (cond)                                                \
                        printf("ok: " __VA_ARGS__);                      \
                else {                                                   \
                        printf("FAIL: " __VA_ARGS__);                    \
                        check_failures++;                                \
                }                                                        \
                printf("\n");                                            \
        } while (0)
