/* relu's value, derivative and vjp as NumPy ufuncs: one pass over memory (and relu6,
 * hardtanh and leaky_relu at their default parameters, and leaky_relu (prelu), hardtanh and
 * threshold at any parameters, further down; float16, float32 and float64 each).
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
 * raises it too, and leaky_relu's products by its slope may underflow or overflow; the
 * contract makes these silent, so each loop clears those flags before NumPy reads them (NumPy
 * clears the flags before a loop and checks them after).
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
    _mm_setcsr(_mm_getcsr() &
               ~(unsigned int)(_MM_EXCEPT_INVALID | _MM_EXCEPT_UNDERFLOW | _MM_EXCEPT_OVERFLOW));
}
#else
#include <fenv.h>
static inline void clear_flags(void) { feclearexcept(FE_INVALID | FE_UNDERFLOW | FE_OVERFLOW); }
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
        /* x > 0 ? x : x * 0.01, as x > y ? x : y (y = x * 0.01): the same for every x      \
         * with a slope in (0, 1] (x > y exactly where x > 0; NaN x gives y, x's NaN), and a \
         * product the select needs on both sides, so that the loop vectorises (a multiply \
         * on one branch only keeps its branch) */                                         \
        T y = x * (T)0.01;                                                                 \
        return x > y ? x : y;                                                              \
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


/* float16 <-> float32, as NumPy converts (NaN payloads kept; to nearest even), written as
 * selects between candidates so that the loops vectorise. The family's float16 kernels
 * compute in float32, as the generic formula does, and round once at the end: every product
 * here is exact in float32 (two 11-bit significands), so the result is the correctly rounded
 * float16 one. */
static inline float bits_f(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint32_t f_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static inline float h2f(h16 h)
{
    uint32_t em = (uint32_t)(h & 0x7fffu), sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t normal = (em << 13) + 0x38000000u;      /* the exponent rebiased by 127 - 15 */
    uint32_t special = (em << 13) | 0x7f800000u;     /* inf, or NaN with its payload */
    /* subnormal: em * 2**-24, as (2**-14 + em * 2**-24) - 2**-14, both exact */
    uint32_t sub = f_bits(bits_f((em << 13) + 0x38800000u) - bits_f(0x38800000u));
    uint32_t r = em >= 0x7c00u ? special : normal;
    r = em < 0x0400u ? sub : r;
    return bits_f(r | sign);
}

static inline h16 f2h(float f)
{
    uint32_t w = f_bits(f), a = w & 0x7fffffffu, sign = (w >> 16) & 0x8000u;
    /* normal: rebias, round the 13 dropped bits to nearest even */
    uint32_t normal = (a - 0x38000000u + 0x0fffu + ((a >> 13) & 1u)) >> 13;
    /* subnormal or zero: in 0.5 + |f| the last bit is worth 2**-24, the float16 subnormals'
     * step, and the hardware rounds the sum to nearest even */
    uint32_t sub = f_bits(bits_f(a) + 0.5f) - 0x3f000000u;
    /* NaN: the payload's top bits, never all zero (as NumPy converts) */
    uint32_t top = (a & 0x7fffffu) >> 13;
    uint32_t nan = 0x7c00u | (top == 0 ? 1u : top);
    uint32_t r = a < 0x38800000u ? sub : normal;
    r = a >= 0x477ff000u ? 0x7c00u : r; /* 65520 and above: inf */
    r = a > 0x7f800000u ? nan : r;
    return (h16)(sign | r);
}

/* The parameters of the piecewise-linear family as inputs: each formula takes (x, dout, a, b)
 * in the compute type (a value or derivative ignores dout; one parameter ignores b).
 *   leaky_relu(x; s):       s == 0 ? relu(x) : (x > 0 ? x : x * s)     (prelu: s an array)
 *   hardtanh(x; lo, hi):    x < lo ? lo : (x > hi ? hi : x)
 *   threshold(x; t, value): x <= t ? value : x
 * NaN x gives x in each value and derivative; the vjp is dout * derivative. */
/* the vjp of each: dout times the derivative, one IEEE multiply */
#define VJP_OF_DERIVATIVE(NAME, C, SUF)                                                    \
    static inline C vjp_##NAME##_##SUF(C x, C g, C a, C b)                                 \
    {                                                                                      \
        return g * d##NAME##_##SUF(x, g, a, b);                                            \
    }

#define PARAM_OPS(C, SUF)                                                                  \
    static inline C leaky_at_##SUF(C x, C g, C s, C b)                                     \
    {                                                                                      \
        /* selects on the bits (see leaky_##SUF): x where x > 0; where s == 0, +0 (NaN x    \
         * kept as it is); else x * s */                                                   \
        C y = x * s, r;                                                                    \
        BITS_##SUF xb, yb, m, q;                                                           \
        (void)g, (void)b;                                                                  \
        memcpy(&xb, &x, sizeof xb);                                                        \
        memcpy(&yb, &y, sizeof yb);                                                        \
        m = (BITS_##SUF)0 - (BITS_##SUF)(x > (C)0);                                        \
        q = (BITS_##SUF)0 - (BITS_##SUF)(s == (C)0);                                       \
        yb = (q & xb & ((BITS_##SUF)0 - (BITS_##SUF)(x != x))) | (~q & yb);                \
        xb = (xb & m) | (yb & ~m);                                                         \
        memcpy(&r, &xb, sizeof r);                                                         \
        return r;                                                                          \
    }                                                                                      \
    static inline C dleaky_at_##SUF(C x, C g, C s, C b)                                    \
    {                                                                                      \
        C d = x > (C)0 ? (C)1 : s;                                                         \
        (void)g, (void)b;                                                                  \
        return x != x ? x : d;                                                             \
    }                                                                                      \
    VJP_OF_DERIVATIVE(leaky_at, C, SUF)                                                    \
    static inline C hardtanh_at_##SUF(C x, C g, C lo, C hi)                                \
    {                                                                                      \
        (void)g;                                                                           \
        return x < lo ? lo : (x > hi ? hi : x);                                            \
    }                                                                                      \
    static inline C dhardtanh_at_##SUF(C x, C g, C lo, C hi)                               \
    {                                                                                      \
        C d = x >= hi ? (C)0 : (C)1;                                                       \
        (void)g;                                                                           \
        d = x <= lo ? (C)0 : d;                                                            \
        return x != x ? x : d;                                                             \
    }                                                                                      \
    VJP_OF_DERIVATIVE(hardtanh_at, C, SUF)                                                 \
    static inline C threshold_at_##SUF(C x, C g, C t, C v)                                 \
    {                                                                                      \
        (void)g;                                                                           \
        return x <= t ? v : x;                                                             \
    }                                                                                      \
    static inline C dthreshold_at_##SUF(C x, C g, C t, C b)                                \
    {                                                                                      \
        C d = x <= t ? (C)0 : (C)1;                                                        \
        (void)g, (void)b;                                                                  \
        return x != x ? x : d;                                                             \
    }                                                                                      \
    VJP_OF_DERIVATIVE(threshold_at, C, SUF)

PARAM_OPS(float, f)
PARAM_OPS(double, d)

/* the family at its defaults in float16: the float32 formulas, one rounding (leaky_relu's
 * slope is 0.01 rounded to float16, as the generic formula rounds its parameter) */
#define HALF_OF(NAME)                                                                      \
    static inline h16 NAME##_e(h16 x) { return f2h(NAME##_f(h2f(x))); }                   \
    static inline h16 d##NAME##_e(h16 x) { return f2h(d##NAME##_f(h2f(x))); }             \
    static inline h16 vjp_##NAME##_e(h16 x, h16 g)                                         \
    {                                                                                      \
        return f2h(vjp_##NAME##_f(h2f(x), h2f(g)));                                        \
    }

HALF_OF(relu6)
HALF_OF(hardtanh)

static const float HALF_SLOPE = 0.01000213623046875f; /* float16(0.01), exact in float32 */
static inline h16 leaky_e(h16 x) { return f2h(leaky_at_f(h2f(x), 0.0f, HALF_SLOPE, 0.0f)); }
static inline h16 dleaky_e(h16 x) { return f2h(dleaky_at_f(h2f(x), 0.0f, HALF_SLOPE, 0.0f)); }
static inline h16 vjp_leaky_e(h16 x, h16 g)
{
    return f2h(vjp_leaky_at_f(h2f(x), h2f(g), HALF_SLOPE, 0.0f));
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

/* A loop of NV arrays (x, or x and dout) and NP parameters (the trailing inputs). Three
 * forms: contiguous arrays with one value per parameter (0-d, read once), everything
 * contiguous (per-element parameters, e.g. prelu's slopes along the last axis), and any
 * strides. LD and ST convert from the stored type T to the compute type C and back. */
#define ID(v) (v)
#define PARAM_LOOP(NAME, T, LD, ST, NV, NP, F)                                             \
    static void NAME(char **args, npy_intp const *dimensions, npy_intp const *steps,      \
                     void *NPY_UNUSED(data))                                               \
    {                                                                                      \
        npy_intp n = dimensions[0], i;                                                     \
        char *xp = args[0], *gp = args[NV - 1], *ap = args[NV], *bp = args[NV + NP - 1];  \
        char *op = args[NV + NP];                                                          \
        npy_intp xs = steps[0], gs = steps[NV - 1], as = steps[NV];                        \
        npy_intp bs = steps[NV + NP - 1], os = steps[NV + NP];                             \
        const npy_intp w = (npy_intp)sizeof(T);                                            \
        if (xs == w && gs == w && os == w && as == 0 && bs == 0) {                         \
            const T *x = (const T *)xp, *g = (const T *)gp;                                \
            T *o = (T *)op;                                                                \
            const T a0 = *(const T *)ap, b0 = *(const T *)bp;                              \
            for (i = 0; i < n; i++) {                                                      \
                o[i] = ST(F(LD(x[i]), LD(g[i]), LD(a0), LD(b0)));                          \
            }                                                                              \
        }                                                                                  \
        else if (xs == w && gs == w && os == w && as == w && bs == w) {                    \
            const T *x = (const T *)xp, *g = (const T *)gp;                                \
            const T *a = (const T *)ap, *b = (const T *)bp;                                \
            T *o = (T *)op;                                                                \
            for (i = 0; i < n; i++) {                                                      \
                o[i] = ST(F(LD(x[i]), LD(g[i]), LD(a[i]), LD(b[i])));                      \
            }                                                                              \
        }                                                                                  \
        else {                                                                             \
            for (i = 0; i < n; i++, xp += xs, gp += gs, ap += as, bp += bs, op += os) {    \
                *(T *)op = ST(F(LD(*(const T *)xp), LD(*(const T *)gp),                    \
                                LD(*(const T *)ap), LD(*(const T *)bp)));                  \
            }                                                                              \
        }                                                                                  \
        clear_flags();                                                                     \
    }

/* one ufunc's three loops (float16 computing in float32, float32, float64) and their table */
#define PARAM_UFUNC(NAME, NV, NP)                                                          \
    PARAM_LOOP(NAME##_loop_e, h16, h2f, f2h, NV, NP, NAME##_f)                             \
    PARAM_LOOP(NAME##_loop_f, float, ID, ID, NV, NP, NAME##_f)                             \
    PARAM_LOOP(NAME##_loop_d, double, ID, ID, NV, NP, NAME##_d)                            \
    static PyUFuncGenericFunction NAME##_funcs[] = {NAME##_loop_e, NAME##_loop_f,          \
                                                    NAME##_loop_d};

/* leaky_relu with one slope s in (0, 1], the common case, as x > y ? x : y with y = x * s:
 * the formula's bits for such slopes (x > y exactly where x > 0, y >= x elsewhere; NaN x
 * gives y), in a form the compiler vectorises for float64 too, where the general loop's
 * selects on 64-bit patterns stay scalar on SSE2 */
#define UNIT_SLOPE_LOOP(NAME, T, GENERAL)                                                  \
    static void NAME(char **args, npy_intp const *dimensions, npy_intp const *steps,      \
                     void *data)                                                           \
    {                                                                                      \
        const npy_intp w = (npy_intp)sizeof(T);                                            \
        if (steps[0] == w && steps[1] == 0 && steps[2] == w) {                             \
            const T s = *(const T *)args[1];                                               \
            if (s > (T)0 && s <= (T)1) {                                                   \
                npy_intp n = dimensions[0];                                                \
                const T *x = (const T *)args[0];                                           \
                T *o = (T *)args[2];                                                       \
                for (npy_intp i = 0; i < n; i++) {                                         \
                    T y = x[i] * s;                                                        \
                    o[i] = x[i] > y ? x[i] : y;                                            \
                }                                                                          \
                clear_flags();                                                             \
                return;                                                                    \
            }                                                                              \
        }                                                                                  \
        GENERAL(args, dimensions, steps, data);                                            \
    }

PARAM_LOOP(leaky_at_loop_e, h16, h2f, f2h, 1, 1, leaky_at_f)
PARAM_LOOP(leaky_at_any_loop_f, float, ID, ID, 1, 1, leaky_at_f)
PARAM_LOOP(leaky_at_any_loop_d, double, ID, ID, 1, 1, leaky_at_d)
UNIT_SLOPE_LOOP(leaky_at_loop_f, float, leaky_at_any_loop_f)
UNIT_SLOPE_LOOP(leaky_at_loop_d, double, leaky_at_any_loop_d)
static PyUFuncGenericFunction leaky_at_funcs[] = {leaky_at_loop_e, leaky_at_loop_f,
                                                  leaky_at_loop_d};
PARAM_UFUNC(dleaky_at, 1, 1)
PARAM_UFUNC(vjp_leaky_at, 2, 1)
PARAM_UFUNC(hardtanh_at, 1, 2)
PARAM_UFUNC(dhardtanh_at, 1, 2)
PARAM_UFUNC(vjp_hardtanh_at, 2, 2)
PARAM_UFUNC(threshold_at, 1, 2)
PARAM_UFUNC(dthreshold_at, 1, 1)
PARAM_UFUNC(vjp_threshold_at, 2, 1)

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
    UNARY_LOOP(NAME##_loop_e, h16, NAME##_e, clear_flags())                              \
    UNARY_LOOP(d##NAME##_loop_e, h16, d##NAME##_e, clear_flags())                        \
    BINARY_LOOP(vjp_##NAME##_loop_e, h16, vjp_##NAME##_e, clear_flags())                 \
    UNARY_LOOP(NAME##_loop_f, float, NAME##_f, clear_flags())                            \
    UNARY_LOOP(NAME##_loop_d, double, NAME##_d, clear_flags())                           \
    UNARY_LOOP(d##NAME##_loop_f, float, d##NAME##_f, clear_flags())                      \
    UNARY_LOOP(d##NAME##_loop_d, double, d##NAME##_d, clear_flags())                     \
    BINARY_LOOP(vjp_##NAME##_loop_f, float, vjp_##NAME##_f, clear_flags())               \
    BINARY_LOOP(vjp_##NAME##_loop_d, double, vjp_##NAME##_d, clear_flags())              \
    static PyUFuncGenericFunction NAME##_funcs[] = {NAME##_loop_e, NAME##_loop_f,          \
                                                    NAME##_loop_d};                        \
    static PyUFuncGenericFunction d##NAME##_funcs[] = {d##NAME##_loop_e, d##NAME##_loop_f, \
                                                       d##NAME##_loop_d};                  \
    static PyUFuncGenericFunction vjp_##NAME##_funcs[] = {                                 \
        vjp_##NAME##_loop_e, vjp_##NAME##_loop_f, vjp_##NAME##_loop_d};

FAMILY_LOOPS(relu6)
FAMILY_LOOPS(hardtanh)
FAMILY_LOOPS(leaky)

static PyUFuncGenericFunction relu_funcs[] = {relu_loop_e, relu_loop_f, relu_loop_d};
static PyUFuncGenericFunction drelu_funcs[] = {drelu_loop_e, drelu_loop_f, drelu_loop_d};
static PyUFuncGenericFunction vjp_funcs[] = {vjp_loop_e, vjp_loop_f, vjp_loop_d};
static void *no_data[] = {NULL, NULL, NULL};
static char unary_types[] = {NPY_HALF, NPY_HALF, NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE, NPY_DOUBLE};
static char binary_types[] = {NPY_HALF,   NPY_HALF,   NPY_HALF,   NPY_FLOAT, NPY_FLOAT,
                              NPY_FLOAT,  NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};
static char ternary_types[] = {NPY_HALF,  NPY_HALF,   NPY_HALF,   NPY_HALF,   NPY_FLOAT, NPY_FLOAT,
                               NPY_FLOAT, NPY_FLOAT,  NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};
static char quaternary_types[] = {NPY_HALF,   NPY_HALF,   NPY_HALF,   NPY_HALF,   NPY_HALF,
                                  NPY_FLOAT,  NPY_FLOAT,  NPY_FLOAT,  NPY_FLOAT,  NPY_FLOAT,
                                  NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};

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
    {"relu6", relu6_funcs, unary_types, 3, 1,
     "relu6(x): +0 for x <= 0, 6 for x >= 6, x between, NaN kept."},
    {"relu6_derivative", drelu6_funcs, unary_types, 3, 1,
     "relu6'(x): 1 for 0 < x < 6, +0 elsewhere, NaN for NaN."},
    {"relu6_vjp", vjp_relu6_funcs, binary_types, 3, 2,
     "relu6_vjp(x, dout): dout * relu6'(x)."},
    {"hardtanh", hardtanh_funcs, unary_types, 3, 1,
     "hardtanh(x): -1 for x < -1, 1 for x > 1, x between, NaN kept."},
    {"hardtanh_derivative", dhardtanh_funcs, unary_types, 3, 1,
     "hardtanh'(x): 1 for -1 < x < 1, +0 elsewhere, NaN for NaN."},
    {"hardtanh_vjp", vjp_hardtanh_funcs, binary_types, 3, 2,
     "hardtanh_vjp(x, dout): dout * hardtanh'(x)."},
    {"leaky_relu", leaky_funcs, unary_types, 3, 1,
     "leaky_relu(x): x for x > 0, x * 0.01 otherwise, NaN kept."},
    {"leaky_relu_derivative", dleaky_funcs, unary_types, 3, 1,
     "leaky_relu'(x): 1 for x > 0, 0.01 otherwise, NaN for NaN."},
    {"leaky_relu_vjp", vjp_leaky_funcs, binary_types, 3, 2,
     "leaky_relu_vjp(x, dout): dout * leaky_relu'(x)."},
    {"leaky_relu_at", leaky_at_funcs, binary_types, 3, 2,
     "leaky_relu_at(x, s): s == 0 ? relu(x) : (x > 0 ? x : x * s), NaN kept."},
    {"leaky_relu_at_derivative", dleaky_at_funcs, binary_types, 3, 2,
     "leaky_relu_at_derivative(x, s): 1 for x > 0, s otherwise, NaN for NaN."},
    {"leaky_relu_at_vjp", vjp_leaky_at_funcs, ternary_types, 3, 3,
     "leaky_relu_at_vjp(x, dout, s): dout * leaky_relu_at_derivative(x, s)."},
    {"hardtanh_at", hardtanh_at_funcs, ternary_types, 3, 3,
     "hardtanh_at(x, lo, hi): lo for x < lo, hi for x > hi, x between, NaN kept."},
    {"hardtanh_at_derivative", dhardtanh_at_funcs, ternary_types, 3, 3,
     "hardtanh_at_derivative(x, lo, hi): 1 for lo < x < hi, +0 elsewhere, NaN for NaN."},
    {"hardtanh_at_vjp", vjp_hardtanh_at_funcs, quaternary_types, 3, 4,
     "hardtanh_at_vjp(x, dout, lo, hi): dout * hardtanh_at_derivative(x, lo, hi)."},
    {"threshold_at", threshold_at_funcs, ternary_types, 3, 3,
     "threshold_at(x, t, value): value for x <= t, x otherwise, NaN kept."},
    {"threshold_at_derivative", dthreshold_at_funcs, binary_types, 3, 2,
     "threshold_at_derivative(x, t): +0 for x <= t, 1 otherwise, NaN for NaN."},
    {"threshold_at_vjp", vjp_threshold_at_funcs, ternary_types, 3, 3,
     "threshold_at_vjp(x, dout, t): dout * threshold_at_derivative(x, t)."},
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
