/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * freeipmi workaround names, as ipmi-chassis -W takes them, for the
 * IPMI 2.0 (lanplus) transport.  Real BMCs each need different ones, so the
 * set is configuration, never hard-coded.
 */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <freeipmi/freeipmi.h>

#include "nf-session.h"

static const struct {
        const char *name;
        unsigned flag;
} workarounds[] = {
        { "authcap", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES },
        { "intel20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_INTEL_2_0_SESSION },
        { "supermicro20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION },
        { "sun20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUN_2_0_SESSION },
        { "opensesspriv", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE },
        { "integritycheckvalue", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE },
        { "nochecksumcheck", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK },
};

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool lookup(const char *word, size_t len, unsigned *ret_flag) {
        for (size_t i = 0; i < sizeof(workarounds) / sizeof(workarounds[0]); i++)
                if (strlen(workarounds[i].name) == len && strncasecmp(workarounds[i].name, word, len) == 0) {
                        *ret_flag = workarounds[i].flag;
                        return true;
                }
        return false;
}

nf_status nf_workarounds_parse(const char *list, unsigned *ret_flags, const char **ret_bad, size_t *ret_bad_len) {
        unsigned flags = 0;
        const char *p;

        if (!list || !ret_flags)
                return NF_E_INVALID_ARG;

        for (p = list; *p;) {
                const char *word, *end;
                unsigned flag;
                size_t len;

                while (is_blank(*p) || *p == ',')
                        p++;
                if (!*p)
                        break;
                word = p;
                while (*p && *p != ',')
                        p++;
                end = p;
                while (end > word && is_blank(end[-1]))
                        end--;
                len = (size_t) (end - word);

                /* ipmi-chassis also knows IPMI 1.5 and in-band names
                 * (idzero, forcepermsg, assumeio, ...); they would be
                 * silently meaningless on lanplus, so they are rejected. */
                if (!lookup(word, len, &flag)) {
                        if (ret_bad)
                                *ret_bad = word;
                        if (ret_bad_len)
                                *ret_bad_len = len;
                        return NF_E_INVALID_ARG;
                }
                flags |= flag;
        }

        *ret_flags = flags;
        return NF_OK;
}
