/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "password.h"

const char *nf_password_source_str(nf_password_source s) {
        switch (s) {
        case NF_PW_FILE_OPTION:
                return "--password-file";
        case NF_PW_SCRIPT_OPTION:
                return "--password-script";
        case NF_PW_CONFIG_FILE:
                return "password_file";
        case NF_PW_CONFIG_SCRIPT:
                return "password_script";
        case NF_PW_CONFIG:
                return "configuration";
        case NF_PW_ENV:
                return "environment";
        case NF_PW_PROMPT:
                return "prompt";
        default:
                return "none";
        }
}

char *nf_password_free(char *p) {
        if (p) {
                explicit_bzero(p, strlen(p));
                free(p);
        }
        return NULL;
}

int nf_password_read_file(const char *path, char **ret, char *err, size_t errlen) {
        char buf[256];
        struct stat st;
        ssize_t n;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "password file %s: %s", path, strerror(errno));
                return r;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                snprintf(err, errlen, "password file %s: not a regular file", path);
                close(fd);
                return -EINVAL;
        }
        if (st.st_mode & 0077) {
                snprintf(err, errlen, "password file %s: mode %04o lets others read it; chmod 600 it",
                         path, (unsigned) (st.st_mode & 07777));
                close(fd);
                return -EPERM;
        }
        /* Someone else's file, even 0600, is a password they can change
         * (or read back) at will: as ssh does with its keys, refuse it. */
        if (st.st_uid != geteuid()) {
                snprintf(err, errlen, "password file %s: owned by uid %u, not by the user running the agent "
                                      "(uid %u); chown it",
                         path, (unsigned) st.st_uid, (unsigned) geteuid());
                close(fd);
                return -EPERM;
        }
        n = read(fd, buf, sizeof buf - 1);
        r = n < 0 ? -errno : 0;
        close(fd);
        if (r < 0) {
                snprintf(err, errlen, "password file %s: %s", path, strerror(-r));
                return r;
        }
        buf[n] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        if (strlen(buf) > 20) {
                explicit_bzero(buf, sizeof buf);
                snprintf(err, errlen, "password file %s: IPMI passwords are at most 20 bytes", path);
                return -EINVAL;
        }
        *ret = strdup(buf);
        explicit_bzero(buf, sizeof buf);
        return *ret ? 0 : -ENOMEM;
}

int nf_password_run_script(const char *script, char **ret, char *err, size_t errlen) {
        char iobuf[BUFSIZ], buf[512];
        FILE *p;
        int status, r;
        bool got;

        fflush(NULL);
        p = popen(script, "re");
        if (!p) {
                r = -errno;
                snprintf(err, errlen, "password_script: cannot run '%s': %s", script, strerror(errno));
                return r;
        }
        /* Our own stdio buffer, so the password it held can be wiped. */
        setvbuf(p, iobuf, _IOFBF, sizeof iobuf);
        got = fgets(buf, sizeof buf, p) != NULL;
        /* drain, so the script does not die of SIGPIPE before exiting */
        while (fgetc(p) != EOF)
                ;
        status = pclose(p);
        explicit_bzero(iobuf, sizeof iobuf);
        if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                explicit_bzero(buf, sizeof buf);
                snprintf(err, errlen, "password_script '%s' failed (status %d)", script,
                         status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
                return -EIO;
        }
        if (!got) {
                snprintf(err, errlen, "password_script '%s' printed nothing", script);
                return -ENODATA;
        }
        buf[strcspn(buf, "\r\n")] = '\0';
        if (strlen(buf) > 20) {
                explicit_bzero(buf, sizeof buf);
                snprintf(err, errlen, "password_script '%s': IPMI passwords are at most 20 bytes", script);
                return -EINVAL;
        }
        *ret = strdup(buf);
        explicit_bzero(buf, sizeof buf);
        return *ret ? 0 : -ENOMEM;
}

static int prompt(const char *host, char **ret, char *err, size_t errlen) {
        struct termios old, quiet;
        char iobuf[BUFSIZ], buf[64];
        FILE *tty = fopen("/dev/tty", "r+e");
        bool echo_off = false;

        if (!tty) {
                snprintf(err, errlen, "no password given and no terminal to ask on");
                return -ENXIO;
        }
        setvbuf(tty, iobuf, _IOLBF, sizeof iobuf);
        fprintf(tty, "BMC password for %s: ", host);
        fflush(tty);
        if (tcgetattr(fileno(tty), &old) == 0) {
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t) ECHO;
                echo_off = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
        }
        char *line = fgets(buf, sizeof buf, tty);
        if (echo_off)
                tcsetattr(fileno(tty), TCSAFLUSH, &old);
        fputc('\n', tty);
        fclose(tty);
        explicit_bzero(iobuf, sizeof iobuf);
        if (!line) {
                snprintf(err, errlen, "no password entered");
                return -ENODATA;
        }
        buf[strcspn(buf, "\r\n")] = '\0';
        *ret = strdup(buf);
        explicit_bzero(buf, sizeof buf);
        return *ret ? 0 : -ENOMEM;
}

int nf_password_resolve(const nf_host_conf *h, const char *option_file, const char *option_script,
                        const char *env_var, bool may_prompt, char **ret, nf_password_source *ret_source, char *err,
                        size_t errlen) {
        const char *env;
        int r;

        if (option_file) {
                if ((r = nf_password_read_file(option_file, ret, err, errlen)) == 0)
                        *ret_source = NF_PW_FILE_OPTION;
                return r;
        }
        if (option_script) {
                if ((r = nf_password_run_script(option_script, ret, err, errlen)) == 0)
                        *ret_source = NF_PW_SCRIPT_OPTION;
                return r;
        }
        if (h->password_file) {
                if ((r = nf_password_read_file(h->password_file, ret, err, errlen)) == 0)
                        *ret_source = NF_PW_CONFIG_FILE;
                return r;
        }
        if (h->password_script) {
                if ((r = nf_password_run_script(h->password_script, ret, err, errlen)) == 0)
                        *ret_source = NF_PW_CONFIG_SCRIPT;
                return r;
        }
        if (h->password) {
                *ret = strdup(h->password);
                if (!*ret)
                        return -ENOMEM;
                *ret_source = NF_PW_CONFIG;
                return 0;
        }
        env = getenv(env_var ? env_var : "NMIFENCE_PASSWORD");
        if (env) {
                *ret = strdup(env);
                if (!*ret)
                        return -ENOMEM;
                *ret_source = NF_PW_ENV;
                return 0;
        }
        if (may_prompt) {
                if ((r = prompt(h->name ? h->name : h->bmc, ret, err, errlen)) == 0)
                        *ret_source = NF_PW_PROMPT;
                return r;
        }
        snprintf(err, errlen,
                 "no password for %s: set password_file or password_script in the configuration, use "
                 "--password-file or --password-script, "
                 "or set %s", h->name ? h->name : h->bmc, env_var ? env_var : "NMIFENCE_PASSWORD");
        return -ENOKEY;
}
