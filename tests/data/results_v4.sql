-- A results database of schema version 4 with two real runs: written by
-- adascale 89a7b1cd9f65 (schema version 4), dumped with sqlite3 .dump:
--   adascale run --trace tests/data/ramp.csv --device devices/xeon-kvm-2vcpu.ini \
--     --model mobilenet_v1 --policy greedy --deadline-ms 7 --duration-s 1 --db v4.db
--   adascale run --trace tests/data/ramp.csv --device devices/xeon-kvm-2vcpu.ini \
--     --model mobilenet_v1 --ops "width=1,0.5 res=224,128 prune=0,0.5" \
--     --policy static:variant=fastest --workload poisson:rate=50,service=exp \
--     --deadline-ms 10 --duration-s 1 --seed 2 --tag t2 --db v4.db
PRAGMA user_version = 4;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  created_utc TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  git_rev TEXT NOT NULL,
  tag TEXT NOT NULL DEFAULT '',
  config TEXT NOT NULL,
  config_key TEXT NOT NULL,
  seed INTEGER NOT NULL,
  trace TEXT NOT NULL, trace_sha256 TEXT NOT NULL,
  device TEXT NOT NULL, device_sha256 TEXT NOT NULL,
  timings TEXT NOT NULL, timings_sha256 TEXT NOT NULL,
  timings_derived INTEGER NOT NULL DEFAULT 0,
  model TEXT NOT NULL, model_sha256 TEXT NOT NULL,
  policy TEXT NOT NULL, policy_params TEXT NOT NULL DEFAULT '',
  workload TEXT NOT NULL, deadline_ms REAL NOT NULL,
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  wall_s REAL NOT NULL,
  decide_mean_us REAL, decide_p99_us REAL,
  requests INTEGER, served INTEGER, dropped INTEGER, deadline_misses INTEGER,
  failures INTEGER, miss_rate REAL, lat_mean_ms REAL, lat_p50_ms REAL, lat_p95_ms REAL,
  lat_p99_ms REAL, mean_top1 REAL, energy_mj REAL, energy_per_inf_mj REAL,
  switches INTEGER, events INTEGER, sim_s REAL
, ontime_top1 REAL, policy_sha256 TEXT NOT NULL DEFAULT '', config_json TEXT, policy_params_json TEXT, arrivals TEXT, rate_hz REAL, service TEXT);
INSERT INTO runs VALUES(1,'2026-12-06T05:38:35Z','0.1.0','89a7b1cd9f65','',replace('trace=tests/data/ramp.csv\ndevice=devices/xeon-kvm-2vcpu.ini\ntimings=devices/xeon-kvm-2vcpu/timings.csv\nmodel=mobilenet_v1\ntrace_sha256=562a141672b09f160ac9ce8ede253539eb9cc9d49d6ed107eddc91190cc1616b\ndevice_sha256=5c29d5a482356331719fcbbb0587107bb1997816d32aed78a5dd37845606a379\ntimings_sha256=bb27168a5cbe9cebd54d0835536a3889df3a963964e7d6a6d8e9b1b0e07dd425\nmodel_sha256=763126e5da06002a71a0c1c3de54dd3f469a3fc495d51a102b44d88d41c191e6\nops=(ladder)\npolicy=greedy\npolicy_source=builtin\nparams=threads=auto,margin=1.0\nworkload=periodic:fps=30\ndeadline_ms=7\nqueue=4\ndrop=newest\nduration_s=1\nseed=1\ntag=\n','\n',char(10)),'276817d43576fa8afea8973e89920f92edc29bb306de7a8f5d0bbcb319bf6d8e',1,'tests/data/ramp.csv','562a141672b09f160ac9ce8ede253539eb9cc9d49d6ed107eddc91190cc1616b','devices/xeon-kvm-2vcpu.ini','5c29d5a482356331719fcbbb0587107bb1997816d32aed78a5dd37845606a379','devices/xeon-kvm-2vcpu/timings.csv','bb27168a5cbe9cebd54d0835536a3889df3a963964e7d6a6d8e9b1b0e07dd425',0,'mobilenet_v1','763126e5da06002a71a0c1c3de54dd3f469a3fc495d51a102b44d88d41c191e6','greedy','threads=auto,margin=1.0','periodic:fps=30',7.0,'ok','contention: formula (assumed); work: the profiled median (service=det); switch costs: assumed; unstable timings: unknown (no unstable column); physics: replay (open loop): temperature and frequency from the trace; sensing: exact (the device has no [sensing]: assumed)',0.043436876999999998738,0.10887178571741293331,2.02381294922552879,30,30,0,1,0,0.03333333333333333287,6.2256009333333333088,5.4968320000000003844,5.4968320000000003844,27.380258000000001316,70.0,1675.7506572923998646,55.858355243079998329,1,62,1.0,67.666666666666671404,'','{"trace":"tests/data/ramp.csv","device":"devices/xeon-kvm-2vcpu.ini","timings":"devices/xeon-kvm-2vcpu/timings.csv","model":"mobilenet_v1","trace_sha256":"562a141672b09f160ac9ce8ede253539eb9cc9d49d6ed107eddc91190cc1616b","device_sha256":"5c29d5a482356331719fcbbb0587107bb1997816d32aed78a5dd37845606a379","timings_sha256":"bb27168a5cbe9cebd54d0835536a3889df3a963964e7d6a6d8e9b1b0e07dd425","model_sha256":"763126e5da06002a71a0c1c3de54dd3f469a3fc495d51a102b44d88d41c191e6","ops":"(ladder)","policy":"greedy","policy_source":"builtin","params":{"threads":"auto","margin":1.0},"workload":"periodic:fps=30","deadline_ms":7,"queue":4,"drop":"newest","duration_s":1,"seed":1,"tag":""}','{"threads":"auto","margin":1.0}','periodic',30.0,'det');
INSERT INTO runs VALUES(2,'2026-12-06T05:38:35Z','0.1.0','89a7b1cd9f65','t2',replace('trace=tests/data/ramp.csv\ndevice=devices/xeon-kvm-2vcpu.ini\ntimings=devices/xeon-kvm-2vcpu/timings.csv\nmodel=mobilenet_v1\ntrace_sha256=562a141672b09f160ac9ce8ede253539eb9cc9d49d6ed107eddc91190cc1616b\ndevice_sha256=5c29d5a482356331719fcbbb0587107bb1997816d32aed78a5dd37845606a379\ntimings_sha256=bb27168a5cbe9cebd54d0835536a3889df3a963964e7d6a6d8e9b1b0e07dd425\nmodel_sha256=763126e5da06002a71a0c1c3de54dd3f469a3fc495d51a102b44d88d41c191e6\nops=width=1,0.5 res=224,128 prune=0,0.5\npolicy=static\npolicy_source=builtin\nparams=variant=fastest,threads=max\nworkload=poisson:rate=50,service=exp\ndeadline_ms=10\nqueue=4\ndrop=newest\nduration_s=1\nseed=2\ntag=t2\n','\n',char(10)),'aaac6a3e293ab7d022c76c233ba4aee35ac9b097870a093fbf9c8071b52285bb',2,'tests/data/ramp.csv','562a141672b09f160ac9ce8ede253539eb9cc9d49d6ed107eddc91190cc1616b','devices/xeon-kvm-2vcpu.ini','5c29d5a482356331719fcbbb0587107bb1997816d32aed78a5dd37845606a379','devices/xeon-kvm-2vcpu/timings.csv','bb27168a5cbe9cebd54d0835536a3889df3a963964e7d6a6d8e9b1b0e07dd425',0,'mobilenet_v1','763126e5da06002a71a0c1c3de54dd3f469a3fc495d51a102b44d88d41c191e6','static','variant=fastest,threads=max','poisson:rate=50,service=exp',10.0,'ok','contention: formula (assumed); work: exponential around the profiled median (service=exp); switch costs: assumed; unstable timings: unknown (no unstable column); physics: replay (open loop): temperature and frequency from the trace; sensing: exact (the device has no [sensing]: assumed); 55 on-time answers by variants without accuracy left out of ontime_top1',0.01494543100000000034,0.021495048006266222889,0.30056634924016328858,55,55,0,0,0,0.0,0.60324705454545457516,0.37068800000000001748,1.1714560000000000528,7.9774110000000000297,NULL,284.27316661848004741,5.1686030294269098561,1,112,1.0,NULL,'','{"trace":"tests/data/ramp.csv","device":"devices/xeon-kvm-2vcpu.ini","timings":"devices/xeon-kvm-2vcpu/timings.csv","model":"mobilenet_v1","trace_sha256":"562a141672b09f160ac9ce8ede253539eb9cc9d49d6ed107eddc91190cc1616b","device_sha256":"5c29d5a482356331719fcbbb0587107bb1997816d32aed78a5dd37845606a379","timings_sha256":"bb27168a5cbe9cebd54d0835536a3889df3a963964e7d6a6d8e9b1b0e07dd425","model_sha256":"763126e5da06002a71a0c1c3de54dd3f469a3fc495d51a102b44d88d41c191e6","ops":"width=1,0.5 res=224,128 prune=0,0.5","policy":"static","policy_source":"builtin","params":{"variant":"fastest","threads":"max"},"workload":"poisson:rate=50,service=exp","deadline_ms":10,"queue":4,"drop":"newest","duration_s":1,"seed":2,"tag":"t2"}','{"variant":"fastest","threads":"max"}','poisson',50.0,'exp');
CREATE TABLE latency_quantiles(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  q REAL NOT NULL, latency_ms REAL NOT NULL, PRIMARY KEY(run_id, q));
INSERT INTO latency_quantiles VALUES(1,0.0,5.4961299999999999599);
INSERT INTO latency_quantiles VALUES(1,0.010000000000000000208,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.020000000000000000416,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.029999999999999998889,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.040000000000000000832,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.050000000000000002775,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.059999999999999997779,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.070000000000000006661,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.080000000000000001665,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.089999999999999996669,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.10000000000000000555,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.11000000000000000055,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.11999999999999999555,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.13000000000000000444,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.14000000000000001332,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.14999999999999999444,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.16000000000000000333,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.17000000000000001221,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.17999999999999999333,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.19000000000000000222,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.2000000000000000111,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.20999999999999999222,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.22000000000000000111,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.23000000000000000999,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.23999999999999999111,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.25,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.26000000000000000888,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.27000000000000001776,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.28000000000000002664,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.28999999999999998001,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.29999999999999998889,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.30999999999999999777,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.32000000000000000666,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.33000000000000001554,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.34000000000000002442,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.34999999999999997779,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.35999999999999998667,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.36999999999999999555,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.38000000000000000444,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.39000000000000001332,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.4000000000000000222,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.40999999999999997557,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.41999999999999998445,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.42999999999999999333,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.44000000000000000222,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.4500000000000000111,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.46000000000000001998,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.46999999999999997335,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.47999999999999998223,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.48999999999999999111,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.5,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.51000000000000000888,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.52000000000000001776,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.53000000000000002664,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.54000000000000003552,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.5500000000000000444,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.56000000000000005329,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.56999999999999995115,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.57999999999999996003,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.58999999999999996891,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.59999999999999997779,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.60999999999999998667,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.61999999999999999555,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.63000000000000000444,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.64000000000000001332,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.6500000000000000222,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.66000000000000003108,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.67000000000000003996,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.68000000000000004884,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.6899999999999999467,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.69999999999999995559,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.70999999999999996447,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.71999999999999997335,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.72999999999999998223,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.73999999999999999111,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.75,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.76000000000000000888,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.77000000000000001776,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.78000000000000002664,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.79000000000000003552,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.8000000000000000444,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.81000000000000005329,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.81999999999999995115,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.82999999999999996003,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.83999999999999996891,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.84999999999999997779,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.85999999999999998667,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.86999999999999999555,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.88000000000000000444,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.89000000000000001332,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.9000000000000000222,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.91000000000000003108,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.92000000000000003996,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.93000000000000004884,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.9399999999999999467,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.94999999999999995559,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.95999999999999996447,5.4968320000000003844);
INSERT INTO latency_quantiles VALUES(1,0.96999999999999997335,27.380258000000001316);
INSERT INTO latency_quantiles VALUES(1,0.97999999999999998223,27.380258000000001316);
INSERT INTO latency_quantiles VALUES(1,0.98999999999999999111,27.380258000000001316);
INSERT INTO latency_quantiles VALUES(1,1.0,27.380258000000001316);
INSERT INTO latency_quantiles VALUES(2,0.0,0.011969000000000000472);
INSERT INTO latency_quantiles VALUES(2,0.010000000000000000208,0.011976000000000000533);
INSERT INTO latency_quantiles VALUES(2,0.020000000000000000416,0.020976000000000001588);
INSERT INTO latency_quantiles VALUES(2,0.029999999999999998889,0.020976000000000001588);
INSERT INTO latency_quantiles VALUES(2,0.040000000000000000832,0.026079999999999999016);
INSERT INTO latency_quantiles VALUES(2,0.050000000000000002775,0.026079999999999999016);
INSERT INTO latency_quantiles VALUES(2,0.059999999999999997779,0.03644800000000000123);
INSERT INTO latency_quantiles VALUES(2,0.070000000000000006661,0.03644800000000000123);
INSERT INTO latency_quantiles VALUES(2,0.080000000000000001665,0.043936000000000002829);
INSERT INTO latency_quantiles VALUES(2,0.089999999999999996669,0.043936000000000002829);
INSERT INTO latency_quantiles VALUES(2,0.10000000000000000555,0.057279999999999997584);
INSERT INTO latency_quantiles VALUES(2,0.11000000000000000055,0.082047999999999995934);
INSERT INTO latency_quantiles VALUES(2,0.11999999999999999555,0.082047999999999995934);
INSERT INTO latency_quantiles VALUES(2,0.13000000000000000444,0.1117439999999999961);
INSERT INTO latency_quantiles VALUES(2,0.14000000000000001332,0.1117439999999999961);
INSERT INTO latency_quantiles VALUES(2,0.14999999999999999444,0.12294399999999999772);
INSERT INTO latency_quantiles VALUES(2,0.16000000000000000333,0.12294399999999999772);
INSERT INTO latency_quantiles VALUES(2,0.17000000000000001221,0.12652800000000000157);
INSERT INTO latency_quantiles VALUES(2,0.17999999999999999333,0.12652800000000000157);
INSERT INTO latency_quantiles VALUES(2,0.19000000000000000222,0.12876799999999999357);
INSERT INTO latency_quantiles VALUES(2,0.2000000000000000111,0.12876799999999999357);
INSERT INTO latency_quantiles VALUES(2,0.20999999999999999222,0.13350400000000001154);
INSERT INTO latency_quantiles VALUES(2,0.22000000000000000111,0.14899200000000001331);
INSERT INTO latency_quantiles VALUES(2,0.23000000000000000999,0.14899200000000001331);
INSERT INTO latency_quantiles VALUES(2,0.23999999999999999111,0.1620479999999999976);
INSERT INTO latency_quantiles VALUES(2,0.25,0.1620479999999999976);
INSERT INTO latency_quantiles VALUES(2,0.26000000000000000888,0.1669120000000000048);
INSERT INTO latency_quantiles VALUES(2,0.27000000000000001776,0.1669120000000000048);
INSERT INTO latency_quantiles VALUES(2,0.28000000000000002664,0.19775999999999999134);
INSERT INTO latency_quantiles VALUES(2,0.28999999999999998001,0.19775999999999999134);
INSERT INTO latency_quantiles VALUES(2,0.29999999999999998889,0.19891200000000000547);
INSERT INTO latency_quantiles VALUES(2,0.30999999999999999777,0.20428799999999999736);
INSERT INTO latency_quantiles VALUES(2,0.32000000000000000666,0.20428799999999999736);
INSERT INTO latency_quantiles VALUES(2,0.33000000000000001554,0.2062080000000000024);
INSERT INTO latency_quantiles VALUES(2,0.34000000000000002442,0.2062080000000000024);
INSERT INTO latency_quantiles VALUES(2,0.34999999999999997779,0.22540799999999999725);
INSERT INTO latency_quantiles VALUES(2,0.35999999999999998667,0.22540799999999999725);
INSERT INTO latency_quantiles VALUES(2,0.36999999999999999555,0.23500799999999999467);
INSERT INTO latency_quantiles VALUES(2,0.38000000000000000444,0.23500799999999999467);
INSERT INTO latency_quantiles VALUES(2,0.39000000000000001332,0.2361600000000000088);
INSERT INTO latency_quantiles VALUES(2,0.4000000000000000222,0.2361600000000000088);
INSERT INTO latency_quantiles VALUES(2,0.40999999999999997557,0.26521600000000000729);
INSERT INTO latency_quantiles VALUES(2,0.41999999999999998445,0.26879999999999998339);
INSERT INTO latency_quantiles VALUES(2,0.42999999999999999333,0.26879999999999998339);
INSERT INTO latency_quantiles VALUES(2,0.44000000000000000222,0.325888000000000011);
INSERT INTO latency_quantiles VALUES(2,0.4500000000000000111,0.325888000000000011);
INSERT INTO latency_quantiles VALUES(2,0.46000000000000001998,0.32614399999999998946);
INSERT INTO latency_quantiles VALUES(2,0.46999999999999997335,0.32614399999999998946);
INSERT INTO latency_quantiles VALUES(2,0.47999999999999998223,0.34073599999999998333);
INSERT INTO latency_quantiles VALUES(2,0.48999999999999999111,0.34073599999999998333);
INSERT INTO latency_quantiles VALUES(2,0.5,0.37068800000000001748);
INSERT INTO latency_quantiles VALUES(2,0.51000000000000000888,0.38502399999999997737);
INSERT INTO latency_quantiles VALUES(2,0.52000000000000001776,0.38502399999999997737);
INSERT INTO latency_quantiles VALUES(2,0.53000000000000002664,0.39807999999999998941);
INSERT INTO latency_quantiles VALUES(2,0.54000000000000003552,0.39807999999999998941);
INSERT INTO latency_quantiles VALUES(2,0.5500000000000000444,0.40396799999999999375);
INSERT INTO latency_quantiles VALUES(2,0.56000000000000005329,0.40396799999999999375);
INSERT INTO latency_quantiles VALUES(2,0.56999999999999995115,0.41651199999999999334);
INSERT INTO latency_quantiles VALUES(2,0.57999999999999996003,0.41651199999999999334);
INSERT INTO latency_quantiles VALUES(2,0.58999999999999996891,0.44672000000000000596);
INSERT INTO latency_quantiles VALUES(2,0.59999999999999997779,0.44672000000000000596);
INSERT INTO latency_quantiles VALUES(2,0.60999999999999998667,0.44723200000000001841);
INSERT INTO latency_quantiles VALUES(2,0.61999999999999999555,0.49177599999999999091);
INSERT INTO latency_quantiles VALUES(2,0.63000000000000000444,0.49177599999999999091);
INSERT INTO latency_quantiles VALUES(2,0.64000000000000001332,0.508928000000000047);
INSERT INTO latency_quantiles VALUES(2,0.6500000000000000222,0.508928000000000047);
INSERT INTO latency_quantiles VALUES(2,0.66000000000000003108,0.54783999999999999364);
INSERT INTO latency_quantiles VALUES(2,0.67000000000000003996,0.54783999999999999364);
INSERT INTO latency_quantiles VALUES(2,0.68000000000000004884,0.54988800000000004342);
INSERT INTO latency_quantiles VALUES(2,0.6899999999999999467,0.54988800000000004342);
INSERT INTO latency_quantiles VALUES(2,0.69999999999999995559,0.68659199999999998009);
INSERT INTO latency_quantiles VALUES(2,0.70999999999999996447,0.69734399999999996389);
INSERT INTO latency_quantiles VALUES(2,0.71999999999999997335,0.69734399999999996389);
INSERT INTO latency_quantiles VALUES(2,0.72999999999999998223,0.71116800000000002235);
INSERT INTO latency_quantiles VALUES(2,0.73999999999999999111,0.71116800000000002235);
INSERT INTO latency_quantiles VALUES(2,0.75,0.75468800000000002548);
INSERT INTO latency_quantiles VALUES(2,0.76000000000000000888,0.75468800000000002548);
INSERT INTO latency_quantiles VALUES(2,0.77000000000000001776,0.78284799999999998831);
INSERT INTO latency_quantiles VALUES(2,0.78000000000000002664,0.78284799999999998831);
INSERT INTO latency_quantiles VALUES(2,0.79000000000000003552,0.80537599999999998079);
INSERT INTO latency_quantiles VALUES(2,0.8000000000000000444,0.80537599999999998079);
INSERT INTO latency_quantiles VALUES(2,0.81000000000000005329,0.82636799999999999144);
INSERT INTO latency_quantiles VALUES(2,0.81999999999999995115,0.85862400000000005384);
INSERT INTO latency_quantiles VALUES(2,0.82999999999999996003,0.85862400000000005384);
INSERT INTO latency_quantiles VALUES(2,0.83999999999999996891,0.91135999999999994791);
INSERT INTO latency_quantiles VALUES(2,0.84999999999999997779,0.91135999999999994791);
INSERT INTO latency_quantiles VALUES(2,0.85999999999999998667,1.0874880000000000102);
INSERT INTO latency_quantiles VALUES(2,0.86999999999999999555,1.0874880000000000102);
INSERT INTO latency_quantiles VALUES(2,0.88000000000000000444,1.0936319999999999375);
INSERT INTO latency_quantiles VALUES(2,0.89000000000000001332,1.0936319999999999375);
INSERT INTO latency_quantiles VALUES(2,0.9000000000000000222,1.1059200000000000141);
INSERT INTO latency_quantiles VALUES(2,0.91000000000000003108,1.1345920000000000449);
INSERT INTO latency_quantiles VALUES(2,0.92000000000000003996,1.1345920000000000449);
INSERT INTO latency_quantiles VALUES(2,0.93000000000000004884,1.1622399999999999398);
INSERT INTO latency_quantiles VALUES(2,0.9399999999999999467,1.1622399999999999398);
INSERT INTO latency_quantiles VALUES(2,0.94999999999999995559,1.1714560000000000528);
INSERT INTO latency_quantiles VALUES(2,0.95999999999999996447,1.1714560000000000528);
INSERT INTO latency_quantiles VALUES(2,0.96999999999999997335,2.0428799999999998071);
INSERT INTO latency_quantiles VALUES(2,0.97999999999999998223,2.0428799999999998071);
INSERT INTO latency_quantiles VALUES(2,0.98999999999999999111,7.9774110000000000297);
INSERT INTO latency_quantiles VALUES(2,1.0,7.9774110000000000297);
CREATE TABLE variant_use(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  variant TEXT NOT NULL, served INTEGER NOT NULL, top1 REAL, model TEXT, width REAL, res INTEGER, quant TEXT, prune REAL, lowrank REAL, exit INTEGER,
  PRIMARY KEY(run_id, variant));
INSERT INTO variant_use VALUES(1,'mobilenet_v1:width=1,res=192,quant=fp32',30,70.0,'mobilenet_v1',1.0,192,'fp32',0.0,1.0,NULL);
INSERT INTO variant_use VALUES(2,'mobilenet_v1:width=0.5,res=128,quant=fp32,prune=0.5',55,NULL,'mobilenet_v1',0.5,128,'fp32',0.5,1.0,NULL);
CREATE TABLE timeline(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  t_s REAL NOT NULL, freq_mhz REAL, util_other REAL, mem_avail_mb REAL,
  variant TEXT, latency_ms REAL);
CREATE TABLE requests(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL, t_arrival_ns INTEGER NOT NULL, t_start_ns INTEGER,
  t_end_ns INTEGER, variant TEXT, outcome TEXT NOT NULL, energy_uj REAL NOT NULL,
  PRIMARY KEY(run_id, seq));
CREATE TABLE student_t975(df INTEGER PRIMARY KEY, t REAL NOT NULL);
INSERT INTO student_t975 VALUES(1,12.705999999999999516);
INSERT INTO student_t975 VALUES(2,4.302999999999999936);
INSERT INTO student_t975 VALUES(3,3.1819999999999999396);
INSERT INTO student_t975 VALUES(4,2.775999999999999801);
INSERT INTO student_t975 VALUES(5,2.571000000000000174);
INSERT INTO student_t975 VALUES(6,2.4470000000000000639);
INSERT INTO student_t975 VALUES(7,2.3650000000000002131);
INSERT INTO student_t975 VALUES(8,2.3060000000000000497);
INSERT INTO student_t975 VALUES(9,2.2620000000000000106);
INSERT INTO student_t975 VALUES(10,2.2280000000000002025);
INSERT INTO student_t975 VALUES(11,2.2010000000000000675);
INSERT INTO student_t975 VALUES(12,2.1789999999999998259);
INSERT INTO student_t975 VALUES(13,2.1600000000000001421);
INSERT INTO student_t975 VALUES(14,2.1450000000000000177);
INSERT INTO student_t975 VALUES(15,2.1309999999999997832);
INSERT INTO student_t975 VALUES(16,2.1200000000000001065);
INSERT INTO student_t975 VALUES(17,2.1099999999999998756);
INSERT INTO student_t975 VALUES(18,2.1009999999999999786);
INSERT INTO student_t975 VALUES(19,2.0929999999999999715);
INSERT INTO student_t975 VALUES(20,2.0859999999999998543);
INSERT INTO student_t975 VALUES(21,2.080000000000000071);
INSERT INTO student_t975 VALUES(22,2.0739999999999998436);
INSERT INTO student_t975 VALUES(23,2.0689999999999999502);
INSERT INTO student_t975 VALUES(24,2.0640000000000000568);
INSERT INTO student_t975 VALUES(25,2.0600000000000000532);
INSERT INTO student_t975 VALUES(26,2.0560000000000000497);
INSERT INTO student_t975 VALUES(27,2.0520000000000000461);
INSERT INTO student_t975 VALUES(28,2.0480000000000000426);
INSERT INTO student_t975 VALUES(29,2.0449999999999999289);
INSERT INTO student_t975 VALUES(30,2.0419999999999998152);
INSERT INTO student_t975 VALUES(40,2.0209999999999999076);
INSERT INTO student_t975 VALUES(50,2.0089999999999998969);
INSERT INTO student_t975 VALUES(60,2.0);
INSERT INTO student_t975 VALUES(80,1.9899999999999999911);
INSERT INTO student_t975 VALUES(100,1.9839999999999999857);
CREATE INDEX runs_config ON runs(config_key, tag);
CREATE INDEX timeline_run ON timeline(run_id, t_s);
CREATE VIEW run_metrics AS SELECT id AS run_id, tag, seed, config_key,
  json_remove(config_json, '$.policy', '$.policy_source', '$.policy_sha256', '$.params',
    '$.seed', '$.tag') AS scenario,
  trace, device, model, policy, policy_params_json, policy_sha256, workload, arrivals,
  rate_hz, service, deadline_ms, requests, served, dropped, deadline_misses, failures,
  ontime_top1 AS ontime_top1_pct, mean_top1 AS mean_top1_pct,
  100.0 * miss_rate AS miss_pct, lat_mean_ms, lat_p50_ms, lat_p95_ms, lat_p99_ms,
  energy_mj, energy_per_inf_mj, switches, decide_mean_us, decide_p99_us, wall_s, sim_s
FROM runs WHERE status = 'ok';
CREATE VIEW config_summary AS SELECT *,
  ontime_top1_pct_sd * (SELECT t FROM student_t975 WHERE df <= n_ontime_top1_pct - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_ontime_top1_pct) AS ontime_top1_pct_ci95,
  mean_top1_pct_sd * (SELECT t FROM student_t975 WHERE df <= n_mean_top1_pct - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_mean_top1_pct) AS mean_top1_pct_ci95,
  miss_pct_sd * (SELECT t FROM student_t975 WHERE df <= n_miss_pct - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_miss_pct) AS miss_pct_ci95,
  lat_p95_ms_sd * (SELECT t FROM student_t975 WHERE df <= n_lat_p95_ms - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_lat_p95_ms) AS lat_p95_ms_ci95,
  energy_per_inf_mj_sd * (SELECT t FROM student_t975 WHERE df <= n_energy_per_inf_mj - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_energy_per_inf_mj) AS energy_per_inf_mj_ci95
FROM (SELECT config_key, tag, min(scenario) AS scenario, min(policy) AS policy,
  min(policy_params_json) AS policy_params_json, min(policy_sha256) AS policy_sha256,
  min(trace) AS trace, min(device) AS device, min(model) AS model,
  min(workload) AS workload, min(arrivals) AS arrivals, min(rate_hz) AS rate_hz,
  min(service) AS service, min(deadline_ms) AS deadline_ms, count(*) AS n_runs,
  avg(ontime_top1_pct) AS ontime_top1_pct, count(ontime_top1_pct) AS n_ontime_top1_pct, sqrt(max(0, (sum(ontime_top1_pct * ontime_top1_pct) - sum(ontime_top1_pct) * sum(ontime_top1_pct) / count(ontime_top1_pct)) / (count(ontime_top1_pct) - 1))) AS ontime_top1_pct_sd,
  avg(mean_top1_pct) AS mean_top1_pct, count(mean_top1_pct) AS n_mean_top1_pct, sqrt(max(0, (sum(mean_top1_pct * mean_top1_pct) - sum(mean_top1_pct) * sum(mean_top1_pct) / count(mean_top1_pct)) / (count(mean_top1_pct) - 1))) AS mean_top1_pct_sd,
  avg(miss_pct) AS miss_pct, count(miss_pct) AS n_miss_pct, sqrt(max(0, (sum(miss_pct * miss_pct) - sum(miss_pct) * sum(miss_pct) / count(miss_pct)) / (count(miss_pct) - 1))) AS miss_pct_sd,
  avg(lat_p95_ms) AS lat_p95_ms, count(lat_p95_ms) AS n_lat_p95_ms, sqrt(max(0, (sum(lat_p95_ms * lat_p95_ms) - sum(lat_p95_ms) * sum(lat_p95_ms) / count(lat_p95_ms)) / (count(lat_p95_ms) - 1))) AS lat_p95_ms_sd,
  avg(energy_per_inf_mj) AS energy_per_inf_mj, count(energy_per_inf_mj) AS n_energy_per_inf_mj, sqrt(max(0, (sum(energy_per_inf_mj * energy_per_inf_mj) - sum(energy_per_inf_mj) * sum(energy_per_inf_mj) / count(energy_per_inf_mj)) / (count(energy_per_inf_mj) - 1))) AS energy_per_inf_mj_sd
  FROM run_metrics GROUP BY config_key, tag);
CREATE VIEW policy_pairs AS SELECT *,
  ontime_top1_pct_diff_sd * (SELECT t FROM student_t975 WHERE df <= n_ontime_top1_pct - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_ontime_top1_pct) AS ontime_top1_pct_diff_ci95,
  mean_top1_pct_diff_sd * (SELECT t FROM student_t975 WHERE df <= n_mean_top1_pct - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_mean_top1_pct) AS mean_top1_pct_diff_ci95,
  miss_pct_diff_sd * (SELECT t FROM student_t975 WHERE df <= n_miss_pct - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_miss_pct) AS miss_pct_diff_ci95,
  lat_p95_ms_diff_sd * (SELECT t FROM student_t975 WHERE df <= n_lat_p95_ms - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_lat_p95_ms) AS lat_p95_ms_diff_ci95,
  energy_per_inf_mj_diff_sd * (SELECT t FROM student_t975 WHERE df <= n_energy_per_inf_mj - 1 ORDER BY df DESC LIMIT 1) / sqrt(n_energy_per_inf_mj) AS energy_per_inf_mj_diff_ci95
FROM (SELECT tag, scenario, a_config_key, min(a_policy) AS a_policy,
  min(a_policy_params_json) AS a_policy_params_json, b_config_key,
  min(b_policy) AS b_policy, min(b_policy_params_json) AS b_policy_params_json,
  count(*) AS n_seeds,
  avg(d_ontime_top1_pct) AS ontime_top1_pct_diff, count(d_ontime_top1_pct) AS n_ontime_top1_pct, sqrt(max(0, (sum(d_ontime_top1_pct * d_ontime_top1_pct) - sum(d_ontime_top1_pct) * sum(d_ontime_top1_pct) / count(d_ontime_top1_pct)) / (count(d_ontime_top1_pct) - 1))) AS ontime_top1_pct_diff_sd,
  avg(d_mean_top1_pct) AS mean_top1_pct_diff, count(d_mean_top1_pct) AS n_mean_top1_pct, sqrt(max(0, (sum(d_mean_top1_pct * d_mean_top1_pct) - sum(d_mean_top1_pct) * sum(d_mean_top1_pct) / count(d_mean_top1_pct)) / (count(d_mean_top1_pct) - 1))) AS mean_top1_pct_diff_sd,
  avg(d_miss_pct) AS miss_pct_diff, count(d_miss_pct) AS n_miss_pct, sqrt(max(0, (sum(d_miss_pct * d_miss_pct) - sum(d_miss_pct) * sum(d_miss_pct) / count(d_miss_pct)) / (count(d_miss_pct) - 1))) AS miss_pct_diff_sd,
  avg(d_lat_p95_ms) AS lat_p95_ms_diff, count(d_lat_p95_ms) AS n_lat_p95_ms, sqrt(max(0, (sum(d_lat_p95_ms * d_lat_p95_ms) - sum(d_lat_p95_ms) * sum(d_lat_p95_ms) / count(d_lat_p95_ms)) / (count(d_lat_p95_ms) - 1))) AS lat_p95_ms_diff_sd,
  avg(d_energy_per_inf_mj) AS energy_per_inf_mj_diff, count(d_energy_per_inf_mj) AS n_energy_per_inf_mj, sqrt(max(0, (sum(d_energy_per_inf_mj * d_energy_per_inf_mj) - sum(d_energy_per_inf_mj) * sum(d_energy_per_inf_mj) / count(d_energy_per_inf_mj)) / (count(d_energy_per_inf_mj) - 1))) AS energy_per_inf_mj_diff_sd
  FROM (SELECT a.tag AS tag, a.scenario AS scenario, a.config_key AS a_config_key,
    a.policy AS a_policy, a.policy_params_json AS a_policy_params_json,
    b.config_key AS b_config_key, b.policy AS b_policy,
    b.policy_params_json AS b_policy_params_json, a.ontime_top1_pct - b.ontime_top1_pct AS d_ontime_top1_pct, a.mean_top1_pct - b.mean_top1_pct AS d_mean_top1_pct, a.miss_pct - b.miss_pct AS d_miss_pct, a.lat_p95_ms - b.lat_p95_ms AS d_lat_p95_ms, a.energy_per_inf_mj - b.energy_per_inf_mj AS d_energy_per_inf_mj
    FROM run_metrics a JOIN run_metrics b ON a.tag = b.tag AND a.seed = b.seed
      AND a.scenario = b.scenario AND a.config_key <> b.config_key)
  GROUP BY tag, a_config_key, b_config_key);
COMMIT;
