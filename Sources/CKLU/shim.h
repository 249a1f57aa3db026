#include <suitesparse/klu.h>
/* CHOLMOD's partition module (METIS nested dissection) serves as KLU's fill-reducing ordering on
   large mesh-like matrices (crossbars), through KLU's user-ordering hook. Only its types come from
   here: the library is opened with dlopen when first needed (SparseLinear/NestedDissection.swift). */
#include <suitesparse/cholmod.h>
