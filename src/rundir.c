/* rundir.c: placeholder */
#include "weft.h"
