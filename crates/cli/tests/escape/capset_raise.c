/* Put CAP_SYS_ADMIN back into the effective and permitted sets. */
#include "verdict.h"
#include <linux/capability.h>

int main(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	d[0].effective = d[0].permitted = 1u << CAP_SYS_ADMIN;
	verdict("capset(+CAP_SYS_ADMIN)", syscall(SYS_capset, &h, d));
}
