@REM wormscope rules --scenario codered2 --defense target-move --format netsh
@REM
@REM Defense: a null route of the flooded site's old address at the routers of
@REM its provider and peers (wormscope `target-move`), as the
@REM [defenses.target_move] section of scenario codered2 describes it.
@REM Worm: Code Red v2, 19 July 2001: uniform random scanning of TCP 80
@REM Drops inbound traffic to 198.137.240.91, every protocol.
@REM Drops outbound traffic to 198.137.240.91, every protocol.
@REM Source (the scenario's): [FCW]: the White House moved its site to another
@REM address before the flood
@REM The site itself answers at its new address; these rules keep the flood from
@REM reaching the old one. They protect the site: the worm spreads on.
@REM
@REM A Windows batch file: run it from an elevated command prompt. It adds
@REM block rules to the Windows Firewall of the machine it runs on (netsh
@REM advfirewall, Windows Vista and later; on XP SP2 the older `netsh firewall`
@REM or the Internet Connection Firewall plays this part). Remove the rules
@REM with: netsh advfirewall firewall delete rule name=NAME
@REM
@REM These are the network rules applied at the host level, as the advisory
@REM allows ("at the host and network level"): inbound means to this host's
@REM port, outbound from this host to that port elsewhere.
@echo off

REM codered2 target_move: drop inbound traffic to 198.137.240.91 (the flooded address)
netsh advfirewall firewall add rule name="wormscope codered2_target_move in to 198.137.240.91" dir=in action=block protocol=any localip=198.137.240.91 profile=any

REM codered2 target_move: drop outbound traffic to 198.137.240.91 (the flooded address)
netsh advfirewall firewall add rule name="wormscope codered2_target_move out to 198.137.240.91" dir=out action=block protocol=any remoteip=198.137.240.91 profile=any
