/* dag.c: placeholder, being written */
#include "weft.h"
