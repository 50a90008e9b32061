/* Count our own CPU clock with a perf event. */
#include "verdict.h"
#include <linux/perf_event.h>

int main(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.size = sizeof attr;
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.exclude_kernel = 1;
	verdict("perf_event_open(sw cpu-clock)",
		syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0UL));
}
