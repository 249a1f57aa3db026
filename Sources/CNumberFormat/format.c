#include <stdio.h>
#include "CNumberFormat.h"

int lithic_format_e12(char *buf, size_t size, double v) {
    return snprintf(buf, size, "%.12e", v);
}

int lithic_format_e15(char *buf, size_t size, double v) {
    return snprintf(buf, size, "%.15e", v);
}
