#!/usr/bin/env bash
# Private mail servers for the email tests, from Debian's packages (postfix, dovecot-imapd,
# dovecot-lmtpd), bound to 127.0.0.1 and living entirely in one directory:
#
#   Dovecot   IMAP for the mailboxes (any user, password "secret"), LMTP for delivery
#   Postfix   "main": the SMTP relay Servdesk sends through, delivering every recipient in
#             example.test / servdesk.test to Dovecot over LMTP
#   Postfix   "fault": a second relay, which the fault tests stop and start
#
#   bash tests/mail/servers.sh start DIR   # writes DIR/env (ports) and prints it
#   bash tests/mail/servers.sh stop DIR
#
# Needs root (Postfix's master runs as root and drops to the postfix user). `.ci/run` starts
# them before the tests and exports SERVDESK_TEST_MAIL=DIR.
set -euo pipefail
action=${1:?start|stop}
dir=${2:?directory}

# Sets the variable named $1 to a port nothing listens on (and not handed out before).
taken=" "
free_port() {
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 40000))
        case "$taken" in *" $port "*) continue ;; esac
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            taken="$taken$port "
            printf -v "$1" '%s' "$port"
            return
        fi
    done
    echo "no free port found" >&2
    exit 1
}

postfix_instance() {
    local name=$1 port=$2 lmtp=$3 conf="$dir/postfix-$1"
    mkdir -p "$conf" "$dir/spool-$name" "$dir/data-$name"
    cat >"$conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/spool-$name
data_directory = $dir/data-$name
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = $name.mail.servdesk.test
mydomain = mail.servdesk.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = example.test servdesk.test
virtual_transport = lmtp:inet:127.0.0.1:$lmtp
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
# Recipients the tests use to provoke answers: rejected-… is refused for good (5xx),
# deferred-… for now (4xx).
smtpd_recipient_restrictions = check_recipient_access regexp:$conf/answers, permit_mynetworks, reject
maillog_file_prefixes = $dir
maillog_file = $dir/postfix-$name.log
smtputf8_enable = yes
biff = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
CONF
    cat >"$conf/answers" <<'CONF'
/^rejected[-.+]/    550 5.1.1 No such mailbox here
/^deferred[-.+]/    450 4.2.1 Mailbox busy, try again later
CONF
    cat >"$conf/master.cf" <<CONF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
smtp      unix  -       -       n       -       -       smtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
    # The daemons must not hold the caller's stdout/stderr open (a pipe reading them would
    # never see its end): their own output goes to a file, shown when they fail.
    postfix -c "$conf" set-permissions </dev/null >"$dir/postfix-$name.start" 2>&1 || true
    postfix -c "$conf" start </dev/null >>"$dir/postfix-$name.start" 2>&1 || { cat "$dir/postfix-$name.start" >&2; exit 1; }
}

case "$action" in
start)
    command -v postfix >/dev/null && command -v dovecot >/dev/null \
        || { echo "install postfix, dovecot-imapd and dovecot-lmtpd first (bash .ci/run does)" >&2; exit 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # Dovecot's and Postfix's users must reach into it.
    chmod 755 "$dir"
    free_port imap; free_port lmtp; free_port smtp; free_port fault
    mkdir -p "$dir/dovecot/run" "$dir/dovecot/state" "$dir/mail"
    chown dovecot:dovecot "$dir/mail"
    cat >"$dir/dovecot/dovecot.conf" <<CONF
base_dir = $dir/dovecot/run
state_dir = $dir/dovecot/state
log_path = $dir/dovecot/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
first_valid_uid = 1
mail_uid = dovecot
mail_gid = dovecot
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$dir/mail/%u allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp
  }
}
CONF
    dovecot -c "$dir/dovecot/dovecot.conf" </dev/null >"$dir/dovecot.start" 2>&1 || { cat "$dir/dovecot.start" >&2; exit 1; }
    postfix_instance main "$smtp" "$lmtp"
    postfix_instance fault "$fault" "$lmtp"
    cat >"$dir/env" <<ENV
SMTP_PORT=$smtp
FAULT_SMTP_PORT=$fault
FAULT_POSTFIX_CONFIG=$dir/postfix-fault
IMAP_PORT=$imap
LMTP_PORT=$lmtp
ENV
    # Wait until each listens.
    for port in $imap $lmtp $smtp $fault; do
        for _ in $(seq 50); do
            (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
            sleep 0.1
        done
    done
    cat "$dir/env"
    ;;
stop)
    for conf in "$dir"/postfix-*; do
        [ -d "$conf" ] && postfix -c "$conf" stop >/dev/null 2>&1 || true
    done
    [ -f "$dir/dovecot/dovecot.conf" ] && doveadm -c "$dir/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
