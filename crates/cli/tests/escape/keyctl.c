/* Join a named session keyring. */
#include "verdict.h"
#include <linux/keyctl.h>

int main(void)
{
	verdict("keyctl(KEYCTL_JOIN_SESSION_KEYRING)",
		syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "jailwright-escape"));
}
