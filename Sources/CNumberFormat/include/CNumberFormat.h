#ifndef LITHIC_CNUMBERFORMAT_H
#define LITHIC_CNUMBERFORMAT_H
#include <stddef.h>

/// Writes v as "%.12e" (correctly rounded by the C library) into buf; returns the length.
/// Swift's String(format:) goes through Foundation's CFString formatter and a CVarArg
/// box per value, which made writing a 200k-point CSV cost as much as simulating it.
int lithic_format_e12(char *buf, size_t size, double v);

/// Writes v as "%.15e" (ngspice's raw-file precision) into buf; returns the length.
int lithic_format_e15(char *buf, size_t size, double v);

#endif
