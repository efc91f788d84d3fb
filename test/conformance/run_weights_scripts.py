"""Runs generated weights scripts in one Python process (their `main`, as `python SCRIPT FILE OUT`
would): run_weights_scripts.py JOBS.json RESULTS.json, JOBS a list of {script, args}; RESULTS gets
each exit code and stderr."""
import contextlib
import importlib.util
import io
import json
import sys


def main():
    jobs = json.load(open(sys.argv[1], encoding="utf8"))
    results = []
    for i, job in enumerate(jobs):
        spec = importlib.util.spec_from_file_location(f"k2t_weights_{i}", job["script"])
        module = importlib.util.module_from_spec(spec)
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            spec.loader.exec_module(module)
            try:
                code = module.main(job["args"])
            except SystemExit as e:
                code = e.code
        results.append({"code": code, "stderr": err.getvalue(), "stdout": out.getvalue()})
    json.dump(results, open(sys.argv[2], "w", encoding="utf8"))


if __name__ == "__main__":
    main()
