/* relu's value, derivative and vjp as NumPy ufuncs: one pass over memory (and relu6,
 * hardtanh and leaky_relu at their default parameters, float32 and float64, further down).
 *
 * The formulas are the catalog's (docs/conventions.md), written so that the compiler
 * vectorises the contiguous loops:
 *
 *   relu(x)          = x <= 0 ? +0 : x            (NaN is kept bit for bit, -0.0 gives +0.0)
 *   relu'(x)         = x > 0 ? 1 : (x <= 0 ? +0 : x)         (NaN x gives x)
 *   vjp(x, dout)     = dout * relu'(x)            (one IEEE multiply: inf * 0 is NaN,
 *                                                  -3 * 0 is -0.0)
 *
 * float16 works on the bit patterns (no conversion to float): relu'(x) is 0, 1 or NaN, so the
 * product dout * relu'(x) is dout, a zero of dout's sign, or NaN.
 *
 * The comparisons of float32/float64 raise the "invalid" flag on NaN and the vjp's inf * 0
 * raises it too, and leaky_relu's products by 0.01 may underflow; the contract makes these
 * silent, so each loop clears both flags before NumPy reads them (NumPy clears the flags
 * before a loop and checks them after).
 *
 * The Python side (kernels.py) uses these only after a probe proves them equal to the formula.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <stdint.h>
#include <string.h>

#if defined(__SSE__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 1)
#include <xmmintrin.h>
static inline void clear_flags(void)
{
    _mm_setcsr(_mm_getcsr() & ~(unsigned int)(_MM_EXCEPT_INVALID | _MM_EXCEPT_UNDERFLOW));
}
#else
#include <fenv.h>
static inline void clear_flags(void) { feclearexcept(FE_INVALID | FE_UNDERFLOW); }
#endif

#if defined(_MSC_VER)
#define RESTRICT __restrict
#else
#define RESTRICT __restrict__
#endif

/* ---- the elementwise formulas ------------------------------------------------------- */

#define FLOAT_OPS(T, SUF)                                                                  \
    static inline T relu_##SUF(T x) { return x <= (T)0 ? (T)0 : x; }                      \
    static inline T drelu_##SUF(T x)                                                       \
    {                                                                                      \
        T d = x > (T)0 ? (T)1 : x;                                                         \
        return x <= (T)0 ? (T)0 : d;                                                       \
    }                                                                                      \
    static inline T vjp_##SUF(T x, T g) { return g * drelu_##SUF(x); }

FLOAT_OPS(float, f)
FLOAT_OPS(double, d)

/* The piecewise-linear family at its default parameters (float32 and float64): relu6,
 * hardtanh(-1, 1) and leaky_relu(0.01); NaN x gives x in each value and derivative. The
 * slope is 0.01 rounded to the dtype, as the formula's x * 0.01 computes it. */
#define FAMILY_OPS(T, SUF)                                                                 \
    static inline T relu6_##SUF(T x) { return x <= (T)0 ? (T)0 : (x >= (T)6 ? (T)6 : x); } \
    static inline T drelu6_##SUF(T x)                                                      \
    {                                                                                      \
        T d = x >= (T)6 ? (T)0 : (T)1;                                                     \
        d = x <= (T)0 ? (T)0 : d;                                                          \
        return x != x ? x : d;                                                             \
    }                                                                                      \
    static inline T vjp_relu6_##SUF(T x, T g) { return g * drelu6_##SUF(x); }             \
    static inline T hardtanh_##SUF(T x)                                                    \
    {                                                                                      \
        return x < (T)-1 ? (T)-1 : (x > (T)1 ? (T)1 : x);                                  \
    }                                                                                      \
    static inline T dhardtanh_##SUF(T x)                                                   \
    {                                                                                      \
        T d = x >= (T)1 ? (T)0 : (T)1;                                                     \
        d = x <= (T)-1 ? (T)0 : d;                                                         \
        return x != x ? x : d;                                                             \
    }                                                                                      \
    static inline T vjp_hardtanh_##SUF(T x, T g) { return g * dhardtanh_##SUF(x); }       \
    static inline T leaky_##SUF(T x)                                                       \
    {                                                                                      \
        /* x * 0.01 for every x, then a select on the bits: written as a branch, the       \
         * compiler keeps the multiply on one path (it may trap) and does not vectorise */ \
        T y = x * (T)0.01, r;                                                              \
        BITS_##SUF xb, yb, m;                                                              \
        memcpy(&xb, &x, sizeof xb);                                                        \
        memcpy(&yb, &y, sizeof yb);                                                        \
        m = (BITS_##SUF)0 - (BITS_##SUF)(x > (T)0);                                        \
        xb = (xb & m) | (yb & ~m);                                                         \
        memcpy(&r, &xb, sizeof r);                                                         \
        return r;                                                                          \
    }                                                                                      \
    static inline T dleaky_##SUF(T x)                                                      \
    {                                                                                      \
        T d = x > (T)0 ? (T)1 : (T)0.01;                                                   \
        return x != x ? x : d;                                                             \
    }                                                                                      \
    static inline T vjp_leaky_##SUF(T x, T g) { return g * dleaky_##SUF(x); }

typedef uint32_t BITS_f;
typedef uint64_t BITS_d;
FAMILY_OPS(float, f)
FAMILY_OPS(double, d)

/* float16 bit patterns: sign 0x8000, exponent 0x7c00; +inf is 0x7c00, NaN above it. Written
 * as selects without branches, so that the loops vectorise. */
typedef npy_uint16 h16;

static inline h16 relu_e(h16 x)
{
    h16 nan = (h16)(x & 0x7fffu) > 0x7c00u;
    h16 pos = (h16)(x - 1u) < 0x7fffu; /* 0x0001 .. 0x7fff: x > 0 or a NaN with sign + */
    return (nan | pos) ? x : (h16)0;
}

static inline h16 drelu_e(h16 x)
{
    h16 nan = (h16)(x & 0x7fffu) > 0x7c00u;
    h16 pos = (h16)(x - 1u) < 0x7c00u; /* 0 < x <= +inf */
    h16 r = pos ? (h16)0x3c00u : (h16)0;
    return nan ? x : r;
}

static inline h16 vjp_e(h16 x, h16 g)
{
    h16 gmag = (h16)(g & 0x7fffu);
    h16 r = (h16)(g & 0x8000u);                                /* dout * 0: dout's sign */
    r = gmag >= 0x7c00u ? (h16)0xfe00u : r;                     /* inf * 0 */
    r = (h16)(x - 1u) < 0x7c00u ? g : r;                       /* x > 0: dout * 1 */
    r = (h16)(x & 0x7fffu) > 0x7c00u ? (h16)(x | 0x0200u) : r; /* NaN x */
    return gmag > 0x7c00u ? (h16)(g | 0x0200u) : r;            /* NaN dout */
}

/* ---- loops: a contiguous (vectorised) form and a strided one -------------------------- */

#define UNARY_LOOP(NAME, T, OP, CLEAR)                                                     \
    static void NAME(char **args, npy_intp const *dimensions, npy_intp const *steps,      \
                     void *NPY_UNUSED(data))                                               \
    {                                                                                      \
        npy_intp n = dimensions[0];                                                        \
        char *ip = args[0], *op = args[1];                                                 \
        npy_intp is = steps[0], os = steps[1];                                             \
        if (is == (npy_intp)sizeof(T) && os == (npy_intp)sizeof(T)) {                      \
            if (ip == op) {                                                                \
                T *p = (T *)op;                                                            \
                for (npy_intp i = 0; i < n; i++) {                                         \
                    p[i] = OP(p[i]);                                                       \
                }                                                                          \
            }                                                                              \
            else {                                                                         \
                const T *RESTRICT a = (const T *)ip;                                       \
                T *RESTRICT o = (T *)op;                                                   \
                for (npy_intp i = 0; i < n; i++) {                                         \
                    o[i] = OP(a[i]);                                                       \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
        else {                                                                             \
            for (npy_intp i = 0; i < n; i++, ip += is, op += os) {                         \
                *(T *)op = OP(*(const T *)ip);                                             \
            }                                                                              \
        }                                                                                  \
        CLEAR;                                                                             \
    }

#define BINARY_LOOP(NAME, T, OP, CLEAR)                                                    \
    static void NAME(char **args, npy_intp const *dimensions, npy_intp const *steps,      \
                     void *NPY_UNUSED(data))                                               \
    {                                                                                      \
        npy_intp n = dimensions[0];                                                        \
        char *ip = args[0], *gp = args[1], *op = args[2];                                  \
        npy_intp is = steps[0], gs = steps[1], os = steps[2];                              \
        if (is == (npy_intp)sizeof(T) && gs == (npy_intp)sizeof(T) &&                      \
            os == (npy_intp)sizeof(T)) {                                                   \
            if (op == ip) {                                                                \
                T *p = (T *)op;                                                            \
                const T *RESTRICT g = (const T *)gp;                                       \
                for (npy_intp i = 0; i < n; i++) {                                         \
                    p[i] = OP(p[i], g[i]);                                                 \
                }                                                                          \
            }                                                                              \
            else if (op == gp) {                                                           \
                T *p = (T *)op;                                                            \
                const T *RESTRICT a = (const T *)ip;                                       \
                for (npy_intp i = 0; i < n; i++) {                                         \
                    p[i] = OP(a[i], p[i]);                                                 \
                }                                                                          \
            }                                                                              \
            else {                                                                         \
                const T *RESTRICT a = (const T *)ip;                                       \
                const T *RESTRICT g = (const T *)gp;                                       \
                T *RESTRICT o = (T *)op;                                                   \
                for (npy_intp i = 0; i < n; i++) {                                         \
                    o[i] = OP(a[i], g[i]);                                                 \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
        else {                                                                             \
            for (npy_intp i = 0; i < n; i++, ip += is, gp += gs, op += os) {               \
                *(T *)op = OP(*(const T *)ip, *(const T *)gp);                             \
            }                                                                              \
        }                                                                                  \
        CLEAR;                                                                             \
    }

UNARY_LOOP(relu_loop_e, h16, relu_e, (void)0)
UNARY_LOOP(relu_loop_f, float, relu_f, clear_flags())
UNARY_LOOP(relu_loop_d, double, relu_d, clear_flags())
UNARY_LOOP(drelu_loop_e, h16, drelu_e, (void)0)
UNARY_LOOP(drelu_loop_f, float, drelu_f, clear_flags())
UNARY_LOOP(drelu_loop_d, double, drelu_d, clear_flags())
BINARY_LOOP(vjp_loop_e, h16, vjp_e, (void)0)
BINARY_LOOP(vjp_loop_f, float, vjp_f, clear_flags())
BINARY_LOOP(vjp_loop_d, double, vjp_d, clear_flags())

#define FAMILY_LOOPS(NAME)                                                                 \
    UNARY_LOOP(NAME##_loop_f, float, NAME##_f, clear_flags())                            \
    UNARY_LOOP(NAME##_loop_d, double, NAME##_d, clear_flags())                           \
    UNARY_LOOP(d##NAME##_loop_f, float, d##NAME##_f, clear_flags())                      \
    UNARY_LOOP(d##NAME##_loop_d, double, d##NAME##_d, clear_flags())                     \
    BINARY_LOOP(vjp_##NAME##_loop_f, float, vjp_##NAME##_f, clear_flags())               \
    BINARY_LOOP(vjp_##NAME##_loop_d, double, vjp_##NAME##_d, clear_flags())              \
    static PyUFuncGenericFunction NAME##_funcs[] = {NAME##_loop_f, NAME##_loop_d};         \
    static PyUFuncGenericFunction d##NAME##_funcs[] = {d##NAME##_loop_f, d##NAME##_loop_d}; \
    static PyUFuncGenericFunction vjp_##NAME##_funcs[] = {vjp_##NAME##_loop_f,             \
                                                          vjp_##NAME##_loop_d};

FAMILY_LOOPS(relu6)
FAMILY_LOOPS(hardtanh)
FAMILY_LOOPS(leaky)

static char unary_types_fd[] = {NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE, NPY_DOUBLE};
static char binary_types_fd[] = {NPY_FLOAT, NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE, NPY_DOUBLE,
                                 NPY_DOUBLE};

static PyUFuncGenericFunction relu_funcs[] = {relu_loop_e, relu_loop_f, relu_loop_d};
static PyUFuncGenericFunction drelu_funcs[] = {drelu_loop_e, drelu_loop_f, drelu_loop_d};
static PyUFuncGenericFunction vjp_funcs[] = {vjp_loop_e, vjp_loop_f, vjp_loop_d};
static void *no_data[] = {NULL, NULL, NULL};
static char unary_types[] = {NPY_HALF, NPY_HALF, NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE, NPY_DOUBLE};
static char binary_types[] = {NPY_HALF,   NPY_HALF,   NPY_HALF,   NPY_FLOAT, NPY_FLOAT,
                              NPY_FLOAT,  NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_ufuncs",
    "The piecewise-linear activations' value, derivative and vjp as NumPy ufuncs.", -1, NULL,
    NULL, NULL, NULL, NULL,
};

static int
add_ufunc(PyObject *m, const char *name, PyUFuncGenericFunction *funcs, char *types, int ntypes,
          int nin, const char *doc)
{
    PyObject *f = PyUFunc_FromFuncAndData(funcs, no_data, types, ntypes, nin, 1, PyUFunc_None,
                                          name, doc, 0);
    if (f == NULL) {
        return -1;
    }
    if (PyModule_AddObject(m, name, f) < 0) {
        Py_DECREF(f);
        return -1;
    }
    return 0;
}

/* name, loops, their types, how many loops, inputs, docstring */
static const struct {
    const char *name;
    PyUFuncGenericFunction *funcs;
    char *types;
    int ntypes, nin;
    const char *doc;
} UFUNCS[] = {
    {"relu", relu_funcs, unary_types, 3, 1,
     "relu(x): +0 for x <= 0 (-0.0 included), x for x > 0, NaN kept."},
    {"relu_derivative", drelu_funcs, unary_types, 3, 1,
     "relu'(x): 1 for x > 0, +0 for x <= 0, NaN for NaN."},
    {"relu_vjp", vjp_funcs, binary_types, 3, 2,
     "relu_vjp(x, dout): dout * relu'(x), one IEEE multiply."},
    {"relu6", relu6_funcs, unary_types_fd, 2, 1,
     "relu6(x): +0 for x <= 0, 6 for x >= 6, x between, NaN kept."},
    {"relu6_derivative", drelu6_funcs, unary_types_fd, 2, 1,
     "relu6'(x): 1 for 0 < x < 6, +0 elsewhere, NaN for NaN."},
    {"relu6_vjp", vjp_relu6_funcs, binary_types_fd, 2, 2,
     "relu6_vjp(x, dout): dout * relu6'(x)."},
    {"hardtanh", hardtanh_funcs, unary_types_fd, 2, 1,
     "hardtanh(x): -1 for x < -1, 1 for x > 1, x between, NaN kept."},
    {"hardtanh_derivative", dhardtanh_funcs, unary_types_fd, 2, 1,
     "hardtanh'(x): 1 for -1 < x < 1, +0 elsewhere, NaN for NaN."},
    {"hardtanh_vjp", vjp_hardtanh_funcs, binary_types_fd, 2, 2,
     "hardtanh_vjp(x, dout): dout * hardtanh'(x)."},
    {"leaky_relu", leaky_funcs, unary_types_fd, 2, 1,
     "leaky_relu(x): x for x > 0, x * 0.01 otherwise, NaN kept."},
    {"leaky_relu_derivative", dleaky_funcs, unary_types_fd, 2, 1,
     "leaky_relu'(x): 1 for x > 0, 0.01 otherwise, NaN for NaN."},
    {"leaky_relu_vjp", vjp_leaky_funcs, binary_types_fd, 2, 2,
     "leaky_relu_vjp(x, dout): dout * leaky_relu'(x)."},
};

PyMODINIT_FUNC
PyInit__ufuncs(void)
{
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL) {
        return NULL;
    }
    import_array();
    import_umath();
    for (size_t i = 0; i < sizeof UFUNCS / sizeof UFUNCS[0]; i++) {
        if (add_ufunc(m, UFUNCS[i].name, UFUNCS[i].funcs, UFUNCS[i].types, UFUNCS[i].ntypes,
                      UFUNCS[i].nin, UFUNCS[i].doc) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
