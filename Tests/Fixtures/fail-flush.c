/* A fault for tests (issue 11): while the file named by CREDITLEDGER_FAIL_FLUSH exists,
 * fdatasync and fsync fail with EIO, as a disk does that loses a write. Loaded into the
 * daemon with LD_PRELOAD; nothing else is changed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static int failing(void) {
    const char *flag = getenv("CREDITLEDGER_FAIL_FLUSH");
    return flag != NULL && access(flag, F_OK) == 0;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (failing()) { errno = EIO; return -1; }
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (failing()) { errno = EIO; return -1; }
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return real(fd);
}
