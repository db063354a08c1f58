/* The transforms of F(m, 3) by m (winograd_tables.h): with m, i and j
 * constants (unrolled loops of an inlined kernel) each call folds to one
 * number, so a zero coefficient costs nothing and a one costs an add. */
#ifndef CC_WINOGRAD_COEF_H
#define CC_WINOGRAD_COEF_H

#include "cc_common.h"
#include "winograd_tables.h"

/* B^T[i][j], i, j < m + 2 */
CC_INLINE double cc_wino_bt(int m, int i, int j)
{
    return m == 2 ? cc_wino2_bt[i][j] : m == 4 ? cc_wino4_bt[i][j] : cc_wino6_bt[i][j];
}

/* G[i][k], i < m + 2, k < 3 */
CC_INLINE double cc_wino_g(int m, int i, int k)
{
    return m == 2 ? cc_wino2_g[i][k] : m == 4 ? cc_wino4_g[i][k] : cc_wino6_g[i][k];
}

/* A^T[i][j], i < m, j < m + 2 */
CC_INLINE double cc_wino_at(int m, int i, int j)
{
    return m == 2 ? cc_wino2_at[i][j] : m == 4 ? cc_wino4_at[i][j] : cc_wino6_at[i][j];
}

#endif
