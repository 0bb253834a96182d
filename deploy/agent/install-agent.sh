#!/bin/sh
# Turn a Debian/Ubuntu host into a jobsmith swarm agent. Run as root:
#   JENKINS_URL=https://jenkins.example.com/ \
#   JOBSMITH_PIP_SPEC=https://pkgs.example.com/jobsmith-0.1.0-py3-none-any.whl \
#       sh deploy/agent/install-agent.sh
# JOBSMITH_PIP_SPEC names the jobsmith release (see install-jobsmith.sh); there is no
# default. Then edit /etc/jobsmith/agent.env (labels, statsd, Sensu), put the swarm
# user's API token in /etc/jobsmith/swarm-password, and start the service.
set -eu

JENKINS_URL=${JENKINS_URL:?set JENKINS_URL to the Jenkins root URL}
HERE=$(cd "$(dirname "$0")" && pwd)
# Refuse an unset or unpinned JOBSMITH_PIP_SPEC before touching the system.
VERSION=$(sh "$HERE/install-jobsmith.sh" --check)
echo "installing a jobsmith agent with jobsmith $VERSION"

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    openjdk-17-jre-headless python3 python3-venv git openssh-client curl >/dev/null

id jenkins-agent >/dev/null 2>&1 || \
    useradd --system --home-dir /var/lib/jenkins-agent --create-home jenkins-agent

# jobsmith, one virtualenv per release; `jobsmith run` wraps every job step.
sh "$HERE/install-jobsmith.sh" /opt/jobsmith

# The swarm plugin serves the client that matches it.
curl -fsSL "${JENKINS_URL%/}/swarm/swarm-client.jar" -o /opt/jobsmith/swarm-client.jar

install -d -m 0755 /etc/jobsmith
[ -f /etc/jobsmith/agent.env ] || \
    sed "s#^JENKINS_URL=.*#JENKINS_URL=${JENKINS_URL}#" "$HERE/jobsmith-agent.env" \
        > /etc/jobsmith/agent.env
[ -f /etc/jobsmith/swarm-password ] || install -m 0600 -o jenkins-agent /dev/null /etc/jobsmith/swarm-password
install -d -o jenkins-agent -g jenkins-agent /var/lib/jenkins-agent/jobsmith-outbox

install -m 0644 "$HERE/jenkins-swarm-agent.service" /etc/systemd/system/jenkins-swarm-agent.service
# The outbox drain: every 10 s, deliver alerts stored while Sensu was unreachable.
install -m 0644 "$HERE/jobsmith-drain.service" /etc/systemd/system/jobsmith-drain.service
install -m 0644 "$HERE/jobsmith-drain.timer" /etc/systemd/system/jobsmith-drain.timer
systemctl daemon-reload
echo "Now: edit /etc/jobsmith/agent.env, write the password to /etc/jobsmith/swarm-password,"
echo "then: systemctl enable --now jenkins-swarm-agent jobsmith-drain.timer"
