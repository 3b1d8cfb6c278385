/*
 * score_wrap.h: what the test plugin tests/data/score_wrap.c reports to the policy tests
 * when a run ends (through tpol_tally, which tests/test_policies.c defines and the test binary
 * exports). Not part of adascale.
 */
#ifndef ADASCALE_SCORE_WRAP_H
#define ADASCALE_SCORE_WRAP_H

struct tpol_score {
	double ontime_top1;   /* sum of the top-1 of the answers given on time */
	long ontime;          /* answers on time */
	long observed;        /* inferences observed (served or failed) */
	long decisions;
	long predictions;     /* predict_ms calls the policy made */
	char log[256];        /* the first message the policy logged, whatever its level */
	long warnings;        /* messages it logged at ADASCALE_LOG_WARN */
	char warn[256];       /* the last of those */
	int host_future;      /* 1: the host offered future_state */
};

void tpol_tally(const struct tpol_score *s);

#endif
