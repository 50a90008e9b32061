/* Add a key to the session keyring. */
#include "verdict.h"
#include <linux/keyctl.h>

int main(void)
{
	verdict("add_key(user)",
		syscall(SYS_add_key, "user", "jailwright-escape", "x", 1, KEY_SPEC_SESSION_KEYRING));
}
