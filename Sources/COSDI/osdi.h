// Lithic's declaration of the OSDI interface (Open Source Device Interface, the C ABI of
// Verilog-A models compiled by OpenVAF / OpenVAF-reloaded), written from the published
// specification for versions 0.3 to 0.5. Only the part common to those versions is declared:
// the descriptor's fields up to and including load_jacobian_tran. Later fields (0.4+: noise
// parameters, delays, natures) are not read; the descriptor stride comes from the library's
// OSDI_DESCRIPTOR_SIZE (0.4+) or from sizeof below (0.3).
#ifndef LITHIC_OSDI_H
#define LITHIC_OSDI_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define LITHIC_OSDI_PARA_TY_MASK 3u
#define LITHIC_OSDI_PARA_TY_REAL 0u
#define LITHIC_OSDI_PARA_TY_INT 1u
#define LITHIC_OSDI_PARA_TY_STR 2u
#define LITHIC_OSDI_PARA_KIND_MASK (3u << 30)
#define LITHIC_OSDI_PARA_KIND_MODEL (0u << 30)
#define LITHIC_OSDI_PARA_KIND_INST (1u << 30)
#define LITHIC_OSDI_PARA_KIND_OPVAR (2u << 30)

#define LITHIC_OSDI_ACCESS_READ 0u
#define LITHIC_OSDI_ACCESS_SET 1u
#define LITHIC_OSDI_ACCESS_INSTANCE 4u

#define LITHIC_OSDI_JACOBIAN_RESIST_CONST 1u
#define LITHIC_OSDI_JACOBIAN_REACT_CONST 2u
#define LITHIC_OSDI_JACOBIAN_RESIST 4u
#define LITHIC_OSDI_JACOBIAN_REACT 8u

#define LITHIC_OSDI_CALC_RESIST_RESIDUAL 1u
#define LITHIC_OSDI_CALC_REACT_RESIDUAL 2u
#define LITHIC_OSDI_CALC_RESIST_JACOBIAN 4u
#define LITHIC_OSDI_CALC_REACT_JACOBIAN 8u
#define LITHIC_OSDI_CALC_NOISE 16u
#define LITHIC_OSDI_CALC_OP 32u
#define LITHIC_OSDI_CALC_RESIST_LIM_RHS 64u
#define LITHIC_OSDI_CALC_REACT_LIM_RHS 128u
#define LITHIC_OSDI_ENABLE_LIM 256u
#define LITHIC_OSDI_INIT_LIM 512u
#define LITHIC_OSDI_ANALYSIS_NOISE 1024u
#define LITHIC_OSDI_ANALYSIS_DC 2048u
#define LITHIC_OSDI_ANALYSIS_AC 4096u
#define LITHIC_OSDI_ANALYSIS_TRAN 8192u
#define LITHIC_OSDI_ANALYSIS_IC 16384u
#define LITHIC_OSDI_ANALYSIS_STATIC 32768u

#define LITHIC_OSDI_EVAL_LIM 1u
#define LITHIC_OSDI_EVAL_FATAL 2u
#define LITHIC_OSDI_EVAL_FINISH 4u
#define LITHIC_OSDI_EVAL_STOP 8u

#define LITHIC_OSDI_INIT_ERR_OUT_OF_BOUNDS 1u

typedef struct LithicOsdiSimParas {
    char **names;
    double *vals;
    char **names_str;
    char **vals_str;
} LithicOsdiSimParas;

/// 0.3's fields; 0.4+ appends a history context and a past-state query, which Lithic passes as null.
typedef struct LithicOsdiSimInfo {
    LithicOsdiSimParas paras;
    double abstime;
    double *prev_solve;
    double *prev_state;
    double *next_state;
    uint32_t flags;
    void *history_ctx;
    double (*query_past_state)(void *history_ctx, uint32_t delay_id, double time, double current_value);
} LithicOsdiSimInfo;

typedef struct LithicOsdiInitError {
    uint32_t code;
    uint32_t parameter_id;
} LithicOsdiInitError;

typedef struct LithicOsdiInitInfo {
    uint32_t flags;
    uint32_t num_errors;
    LithicOsdiInitError *errors;
} LithicOsdiInitInfo;

typedef struct LithicOsdiNodePair {
    uint32_t node_1;
    uint32_t node_2;
} LithicOsdiNodePair;

typedef struct LithicOsdiJacobianEntry {
    LithicOsdiNodePair nodes;
    uint32_t react_ptr_off;
    uint32_t flags;
} LithicOsdiJacobianEntry;

typedef struct LithicOsdiNode {
    char *name;
    char *units;
    char *residual_units;
    uint32_t resist_residual_off;
    uint32_t react_residual_off;
    uint32_t resist_limit_rhs_off;
    uint32_t react_limit_rhs_off;
    bool is_flow;
} LithicOsdiNode;

typedef struct LithicOsdiParamOpvar {
    char **name;
    uint32_t num_alias;
    char *description;
    char *units;
    uint32_t flags;
    uint32_t len;
} LithicOsdiParamOpvar;

typedef struct LithicOsdiNoiseSource {
    char *name;
    LithicOsdiNodePair nodes;
} LithicOsdiNoiseSource;

typedef struct LithicOsdiDescriptor {
    char *name;
    uint32_t num_nodes;
    uint32_t num_terminals;
    LithicOsdiNode *nodes;
    uint32_t num_jacobian_entries;
    LithicOsdiJacobianEntry *jacobian_entries;
    uint32_t num_collapsible;
    LithicOsdiNodePair *collapsible;
    uint32_t collapsed_offset;
    LithicOsdiNoiseSource *noise_sources;
    uint32_t num_noise_src;
    uint32_t num_params;
    uint32_t num_instance_params;
    uint32_t num_opvars;
    LithicOsdiParamOpvar *param_opvar;
    uint32_t node_mapping_offset;
    uint32_t jacobian_ptr_resist_offset;
    uint32_t num_states;
    uint32_t state_idx_off;
    uint32_t bound_step_offset;
    uint32_t instance_size;
    uint32_t model_size;
    void *(*access)(void *inst, void *model, uint32_t id, uint32_t flags);
    void (*setup_model)(void *handle, void *model, LithicOsdiSimParas *sim_params, LithicOsdiInitInfo *res);
    void (*setup_instance)(void *handle, void *inst, void *model, double temperature, uint32_t num_terminals,
                           LithicOsdiSimParas *sim_params, LithicOsdiInitInfo *res);
    uint32_t (*eval)(void *handle, void *inst, const void *model, const LithicOsdiSimInfo *info);
    void (*load_noise)(void *inst, void *model, double freq, double *noise_dens);
    void (*load_residual_resist)(void *inst, void *model, double *dst);
    void (*load_residual_react)(void *inst, void *model, double *dst);
    void (*load_limit_rhs_resist)(void *inst, void *model, double *dst);
    void (*load_limit_rhs_react)(void *inst, void *model, double *dst);
    void (*load_spice_rhs_dc)(void *inst, void *model, double *dst, double *prev_solve);
    void (*load_spice_rhs_tran)(void *inst, void *model, double *dst, double *prev_solve, double alpha);
    void (*load_jacobian_resist)(void *inst, void *model);
    void (*load_jacobian_react)(void *inst, void *model, double alpha);
    void (*load_jacobian_tran)(void *inst, void *model, double alpha);
} LithicOsdiDescriptor;

/// The host's log callback type (the library's `osdi_log` variable points to one).
typedef void (*LithicOsdiLog)(void *handle, const char *message, uint32_t level);

#endif
