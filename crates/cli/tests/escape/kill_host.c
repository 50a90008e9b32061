/* SIGKILL a host process by its host pid. */
#include "verdict.h"
#include <signal.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	verdict("kill(host pid, SIGKILL)", syscall(SYS_kill, atoi(argv[1]), SIGKILL));
}
