/* Install a seccomp filter of our own that answers EPERM to keyctl, then call keyctl: the
 * plugin's filter outranks the sandbox's user notification, so the denial is invisible to
 * the launcher unless it noticed the filter going in. */
#include "verdict.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

int main(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_keyctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof insns / sizeof insns[0], .filter = insns };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		printf("setup: seccomp errno=%d\n", errno);
		return 2;
	}
	verdict("keyctl under the plugin's own filter", syscall(SYS_keyctl, 0, -1, 0, 0, 0));
}
