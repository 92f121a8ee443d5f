/* interchange.c: placeholder */
#include "weft.h"
int
interchange_main(int argc, char **argv)
{
	return 3;
}
