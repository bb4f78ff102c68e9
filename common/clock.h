#ifndef XDC_COMMON_CLOCK_H
#define XDC_COMMON_CLOCK_H

#include <stdint.h>

/** Milliseconds on CLOCK_MONOTONIC: for durations, deadlines, RTO. */
int64_t xdc_mono_ms(void);
/** Microseconds on CLOCK_MONOTONIC. */
int64_t xdc_mono_us(void);
/** Milliseconds since the Unix epoch: for record timestamps and reports only. */
int64_t xdc_wall_ms(void);
/** Sleep @p ms milliseconds, resuming after signals. */
void xdc_sleep_ms(int64_t ms);

#endif
