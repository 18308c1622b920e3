// SPDX-License-Identifier: MIT
/* A statically linked program: `accel exec` must refuse it (tests/preload/exec-static.sh). */
#include <stdio.h>

int main(void)
{
	puts("a static program ran");
	return 0;
}
