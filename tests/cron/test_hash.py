"""`java.util.Random` and Jenkins' `Hash.from`, bit for bit.

fixtures/java_random.tsv was produced by the JVM itself (seed, bound, six nextInt draws):
    groovy -e '[42L,0L,-1L,123456789012345L,Long.MIN_VALUE].each { s -> [10,16,7,60,
      1000000007,1073741825].each { b -> def r = new Random(s); println "${s}\t${b}\t" +
      (0..5).collect { r.nextInt(b) }.join(",") } }' > tests/cron/fixtures/java_random.tsv
The bound 1073741825 exercises the rejection loop; 16 the power-of-two path.
"""

from pathlib import Path

import pytest

from jobsmith.cron.hash import JavaRandom, JenkinsHash

ROWS = [
    line.split("\t")
    for line in (Path(__file__).parent / "fixtures" / "java_random.tsv").read_text().splitlines()
]


@pytest.mark.parametrize(("seed", "bound", "draws"), ROWS)
def test_java_random_matches_the_jvm(seed, bound, draws):
    random = JavaRandom(int(seed))
    assert [random.next_int(int(bound)) for _ in range(6)] == [int(d) for d in draws.split(",")]


def test_bound_must_be_positive():
    with pytest.raises(ValueError):
        JavaRandom(1).next_int(0)


def test_zero_hash_always_draws_zero():
    zero = JenkinsHash.zero()
    assert [zero.next(n) for n in (1, 7, 60)] == [0, 0, 0]


def test_same_name_same_draws_different_name_different_draws():
    def draws(name):
        hash_ = JenkinsHash.for_job(name)
        return [hash_.next(60) for _ in range(5)]

    assert draws("team/build") == draws("team/build")
    assert draws("team/build") != draws("team/build2")
