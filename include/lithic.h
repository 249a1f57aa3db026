/* Lithic C ABI (library: libLithicC.so). Every entry point returns 0 on success; otherwise a
 * status (1 input error, 2 simulation error, 3 invalid argument, 4 other) and, when `error` is
 * non-NULL, a LithicError the caller frees with lithic_error_free. Results are LithicResult
 * handles: an ordered list of entries, each a key plus either a contiguous double buffer or a
 * UTF-8 text. Buffers stay valid until lithic_result_free. Keys' fields are separated by '\x1f'. */
#ifndef LITHIC_H
#define LITHIC_H
#include <stdint.h>
typedef struct LithicResult LithicResult;
typedef struct LithicError LithicError;
int32_t lithic_abi_version(void);
int32_t lithic_run_netlist(const char *source, int32_t is_path, const char *name, const char *const *param_names,
                           const double *param_values, int64_t param_count, LithicResult **out, LithicError **error);
int32_t lithic_read_spectrum(const char *path, LithicResult **out, LithicError **error);
int32_t lithic_circuit_info(const char *circuit, LithicResult **out, LithicError **error);
int32_t lithic_circuit_impedance(const char *circuit, const double *parameters, int64_t parameter_count,
                                 const double *frequencies, int64_t count, double *out_real, double *out_imag, LithicError **error);
int32_t lithic_fit(const char *circuit, const double *frequencies, const double *real, const double *imag, int64_t count,
                   const double *initial, int64_t initial_count, const char *weighting, int32_t starts,
                   const char *const *fixed_names, const double *fixed_values, int64_t fixed_count, LithicResult **out, LithicError **error);
/* lithic_fit with bounds by parameter name (lower[k] < upper[k]; ±inf allowed). */
int32_t lithic_fit_bounded(const char *circuit, const double *frequencies, const double *real, const double *imag, int64_t count,
                           const double *initial, int64_t initial_count, const char *weighting, int32_t starts,
                           const char *const *fixed_names, const double *fixed_values, int64_t fixed_count,
                           const char *const *bound_names, const double *lower, const double *upper, int64_t bound_count,
                           LithicResult **out, LithicError **error);
int32_t lithic_kk(const double *frequencies, const double *real, const double *imag, int64_t count, double cutoff,
                  int64_t max_elements, int32_t capacitance, int32_t inductance, LithicResult **out, LithicError **error);
int32_t lithic_drt(const double *frequencies, const double *real, const double *imag, int64_t count, const char *basis,
                   const char *selection, double lambda, double points_per_decade, const char *inductance, double tau_margin,
                   int32_t penalty_order, LithicResult **out, LithicError **error);
/* A crossbar run as `lithic crossbar` does it: options by their command-line names, as text; the
 * arrays (count 0: not given) take the place of the --weights, --targets and --inputs files. */
int32_t lithic_crossbar(const char *const *option_names, const char *const *option_values, int64_t option_count,
                        const double *weights, int64_t weight_count, const double *targets, int64_t target_count,
                        const double *inputs, int64_t input_count, LithicResult **out, LithicError **error);
int64_t lithic_result_count(const LithicResult *r);
const char *lithic_result_key(const LithicResult *r, int64_t index);
/* -1 for a text entry */
int64_t lithic_result_length(const LithicResult *r, int64_t index);
const double *lithic_result_data(const LithicResult *r, int64_t index);
const char *lithic_result_text(const LithicResult *r, int64_t index);
void lithic_result_free(LithicResult *r);
int32_t lithic_error_kind(const LithicError *e);
const char *lithic_error_message(const LithicError *e);
const char *lithic_error_file(const LithicError *e);
int64_t lithic_error_line(const LithicError *e);
int64_t lithic_error_column(const LithicError *e);
void lithic_error_free(LithicError *e);
#endif
