/* spawn.c: placeholder */
#include "weft.h"
