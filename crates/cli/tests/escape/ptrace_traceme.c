/* Ask to be traced by the parent (the sandbox's init). */
#include "verdict.h"
#include <sys/ptrace.h>

int main(void)
{
	verdict("ptrace(PTRACE_TRACEME)", syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
}
