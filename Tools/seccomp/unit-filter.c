/*
 * unit-filter: runs a program under the seccomp filters a systemd unit file asks for, without
 * systemd (the deployment tests run it where PID 1 is not systemd).
 *
 *     unit-filter UNIT [DROP-IN...] -- PROGRAM [ARGUMENT...]
 *
 * Reads these [Service] lines, in file order, the way systemd 252 merges them (execute.c,
 * seccomp-util.c; `man systemd.exec`):
 *   SystemCallFilter=         the first non-empty assignment decides: an allow list (plus the
 *                             implicit @default) or, with a leading "~", a deny list; each later
 *                             line adds to or removes from that list; an empty one resets it;
 *                             @groups are expanded by `systemd-analyze syscall-filter @group`.
 *   SystemCallErrorNumber=    what a call outside the filter gets: an errno name (EPERM) instead
 *                             of the whole process being killed with SIGSYS.
 *   SystemCallArchitectures=  only "native": calls of other ABIs kill the process.
 *   RestrictAddressFamilies=  socket() with another family fails with EAFNOSUPPORT.
 *   MemoryDenyWriteExecute=   writable-and-executable mmap, executable mprotect/pkey_mprotect
 *                             and shmat(SHM_EXEC) fail with EPERM.
 *   UMask=                    the file-creation mask.
 * Sets no_new_privs (systemd implies NoNewPrivileges= for a unit with User= and a filter), then
 * executes PROGRAM. It changes no user: run it under `setpriv` for User=, Group=,
 * SupplementaryGroups= and CapabilityBoundingSet=. Per-call errno suffixes ("name:EPERM") and
 * continuation lines are not supported and stop it. Not reproduced: the namespaces (ProtectSystem=,
 * PrivateTmp=, PrivateNetwork= …), the syscalls ProtectClock=, ProtectKernelModules=,
 * ProtectKernelLogs=, ProtectHostname= and PrivateDevices= refuse (with @system-service less
 * @privileged, the filter refuses them already), and the arguments RestrictNamespaces=,
 * RestrictRealtime=, RestrictSUIDSGID= and LockPersonality= refuse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((noreturn)) static void die(const char *format, const char *detail) {
    fprintf(stderr, "unit-filter: ");
    fprintf(stderr, format, detail);
    fputc('\n', stderr);
    exit(2);
}

/* A set of numbers (syscall numbers or address families) and whether it lists what is allowed. */
struct list {
    bool assigned;   /* a non-empty assignment was seen */
    bool allow;      /* allow list (else deny list) */
    int count;
    int items[1024];
};

static bool contains(const struct list *list, int item) {
    for (int i = 0; i < list->count; i++)
        if (list->items[i] == item) return true;
    return false;
}

static void add(struct list *list, int item) {
    if (contains(list, item)) return;
    if (list->count == (int)(sizeof list->items / sizeof list->items[0])) die("%s", "too many entries");
    list->items[list->count++] = item;
}

static void remove_item(struct list *list, int item) {
    for (int i = 0; i < list->count; i++)
        if (list->items[i] == item) list->items[i] = list->items[--list->count];
}

/* systemd's rule: a line adds its entries when its sense ("~" or not) matches the list's. */
static void merge(struct list *list, bool inverted, int item) {
    if (inverted != list->allow) add(list, item); else remove_item(list, item);
}

/* A syscall name or @group into `list`; names libseccomp does not know are skipped, as systemd does. */
static void merge_syscall(struct list *list, bool inverted, const char *name) {
    if (name[0] != '@') {
        int number = seccomp_syscall_resolve_name(name);
        if (number != __NR_SCMP_ERROR) merge(list, inverted, number);
        return;
    }
    if (strspn(name + 1, "abcdefghijklmnopqrstuvwxyz-") != strlen(name + 1)) die("not a syscall group: %s", name);
    char command[128];
    snprintf(command, sizeof command, "systemd-analyze syscall-filter %s", name);
    FILE *output = popen(command, "r");
    if (output == NULL) die("cannot run %s", command);
    char line[256];
    while (fgets(line, sizeof line, output) != NULL) {
        /* Members are indented; the group's name and comments are not members. */
        if (line[0] != ' ') continue;
        char *rest, *member = strtok_r(line, " \t\n", &rest);
        if (member != NULL && member[0] != '#') merge_syscall(list, inverted, member);
    }
    if (pclose(output) != 0) die("systemd-analyze does not know %s", name);
}

static const struct { const char *name; int value; } families[] = {
    {"AF_UNIX", AF_UNIX}, {"AF_INET", AF_INET}, {"AF_INET6", AF_INET6}, {"AF_NETLINK", AF_NETLINK}, {"AF_PACKET", AF_PACKET},
};

static int family(const char *name) {
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (strcmp(families[i].name, name) == 0) return families[i].value;
    die("unknown address family %s", name);
}

static int errno_number(const char *name) {
    for (int number = 1; number < 4096; number++) {
        const char *known = strerrorname_np(number);
        if (known != NULL && strcmp(known, name) == 0) return number;
    }
    die("unknown errno name %s", name);
}

/* One assignment of a list-valued setting (SystemCallFilter=, RestrictAddressFamilies=). */
static void assign(struct list *list, char *value, bool syscalls) {
    if (*value == '\0') { list->assigned = false; list->count = 0; return; }
    bool inverted = *value == '~';
    if (inverted) value++;
    if (!list->assigned) {
        list->assigned = true;
        list->allow = !inverted;
        list->count = 0;
        if (syscalls && list->allow) merge_syscall(list, false, "@default");
    }
    char *rest;
    for (char *item = strtok_r(value, " \t", &rest); item != NULL; item = strtok_r(NULL, " \t", &rest)) {
        if (strchr(item, ':') != NULL) die("per-entry errno not supported: %s", item);
        if (syscalls) merge_syscall(list, inverted, item);
        else if (strcmp(item, "none") != 0) merge(list, inverted, family(item));
    }
}

struct unit {
    struct list syscalls, families;
    int error_number;           /* 0: kill the process */
    bool native_only, deny_write_execute;
    int umask;                  /* -1: unchanged */
};

static void read_unit(struct unit *unit, const char *path) {
    FILE *file = fopen(path, "r");
    if (file == NULL) die("cannot read %s", path);
    char line[4096];
    while (fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *equals = strchr(line, '=');
        if (line[0] == '#' || line[0] == ';' || equals == NULL) continue;
        if (line[strlen(line) - 1] == '\\') die("continuation lines not supported: %s", line);
        *equals = '\0';
        char *value = equals + 1;
        if (strcmp(line, "SystemCallFilter") == 0) assign(&unit->syscalls, value, true);
        else if (strcmp(line, "RestrictAddressFamilies") == 0) assign(&unit->families, value, false);
        else if (strcmp(line, "SystemCallErrorNumber") == 0)
            unit->error_number = (*value == '\0' || strcmp(value, "kill") == 0) ? 0 : errno_number(value);
        else if (strcmp(line, "SystemCallArchitectures") == 0) {
            if (strcmp(value, "native") != 0) die("only SystemCallArchitectures=native is supported, not %s", value);
            unit->native_only = true;
        } else if (strcmp(line, "MemoryDenyWriteExecute") == 0) unit->deny_write_execute = strcmp(value, "yes") == 0;
        else if (strcmp(line, "UMask") == 0) unit->umask = (int)strtol(value, NULL, 8);
    }
    fclose(file);
}

static void check(int result, const char *what) {
    if (result < 0) die("%s failed", what);
}

/* The filters are separate programs, as systemd loads them; the kernel applies the strictest answer. */
static void load_syscall_filter(const struct unit *unit) {
    if (!unit->syscalls.assigned) return;
    if (!unit->native_only) die("%s", "a syscall filter without SystemCallArchitectures=native is not supported");
    uint32_t refuse = unit->error_number ? SCMP_ACT_ERRNO(unit->error_number) : SCMP_ACT_KILL_PROCESS;
    scmp_filter_ctx filter = seccomp_init(unit->syscalls.allow ? refuse : SCMP_ACT_ALLOW);
    if (filter == NULL) die("%s", "seccomp_init failed");
    check(seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "SCMP_FLTATR_ACT_BADARCH");
    for (int i = 0; i < unit->syscalls.count; i++) {
        int result = seccomp_rule_add_exact(filter, unit->syscalls.allow ? SCMP_ACT_ALLOW : refuse, unit->syscalls.items[i], 0);
        /* -EDOM: a call this architecture does not have (systemd ignores those too). */
        if (result < 0 && result != -EDOM) die("%s", "seccomp_rule_add (syscall filter) failed");
    }
    check(seccomp_load(filter), "seccomp_load (syscall filter)");
    seccomp_release(filter);
}

static void load_family_filter(const struct unit *unit) {
    if (!unit->families.assigned) return;
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL) die("%s", "seccomp_init failed");
    uint32_t refuse = SCMP_ACT_ERRNO(EAFNOSUPPORT);
    for (int af = 0; af < AF_MAX; af++)
        if (contains(&unit->families, af) != unit->families.allow)
            check(seccomp_rule_add(filter, refuse, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, af)), "seccomp_rule_add (socket)");
    if (unit->families.allow)
        check(seccomp_rule_add(filter, refuse, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_GE, AF_MAX)), "seccomp_rule_add (socket)");
    check(seccomp_load(filter), "seccomp_load (address families)");
    seccomp_release(filter);
}

static void load_write_execute_filter(const struct unit *unit) {
    if (!unit->deny_write_execute) return;
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL) die("%s", "seccomp_init failed");
    uint32_t refuse = SCMP_ACT_ERRNO(EPERM);
    const int write_execute = PROT_WRITE | PROT_EXEC;
    check(seccomp_rule_add(filter, refuse, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, write_execute, write_execute)), "mmap rule");
    check(seccomp_rule_add(filter, refuse, SCMP_SYS(mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC)), "mprotect rule");
    check(seccomp_rule_add(filter, refuse, SCMP_SYS(pkey_mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC)), "pkey_mprotect rule");
    check(seccomp_rule_add(filter, refuse, SCMP_SYS(shmat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC)), "shmat rule");
    check(seccomp_load(filter), "seccomp_load (write-execute)");
    seccomp_release(filter);
}

int main(int argc, char **argv) {
    int separator = 1;
    while (separator < argc && strcmp(argv[separator], "--") != 0) separator++;
    if (separator < 2 || separator + 1 >= argc) die("%s", "usage: unit-filter UNIT [DROP-IN...] -- PROGRAM [ARGUMENT...]");
    struct unit unit = {.umask = -1};
    for (int i = 1; i < separator; i++) read_unit(&unit, argv[i]);
    if (unit.umask >= 0) umask((mode_t)unit.umask);
    check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS");
    /* The syscall filter last: the others need seccomp() and prctl() until they are loaded. */
    load_family_filter(&unit);
    load_write_execute_filter(&unit);
    load_syscall_filter(&unit);
    execv(argv[separator + 1], argv + separator + 1);
    die("cannot execute %s", argv[separator + 1]);
}
