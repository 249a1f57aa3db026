#include <suitesparse/klu.h>
/* CHOLMOD's partition module (METIS nested dissection) serves as KLU's fill-reducing ordering on
   large mesh-like matrices (crossbars), through KLU's user-ordering hook. */
#include <suitesparse/cholmod.h>
