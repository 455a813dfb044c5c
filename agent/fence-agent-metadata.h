/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* fence_nmi's fence-agents metadata XML (validates against metadata.rng). */

#include <stdio.h>

void nf_fa_metadata_print(FILE *out);
