"""A round's teams: propose, adjust (the hard rules checked before saving), confirm; then each
member's declaration, and a replacement for a recused or removed member."""

from __future__ import annotations

from collections import Counter

import polars as pl
import streamlit as st

from dashboards import ui
from dashboards.review import ReviewStore
from dashboards.review_pages.common import act, problem

LEAD, MEMBER = "lead", "member"


def teams_section(store: ReviewStore, actor, rnd) -> None:
    subs = {s.submission_id: s for s in store.round_submissions(rnd.id)}
    members = store.members(rnd.id)
    confirmed = {m.submission_id for m in members if m.status == "confirmed"}
    waiting = [sid for sid in subs if sid not in confirmed]
    profiles = {p.username: p for p in store.profiles()}
    st.markdown(f"**{len(confirmed)} of {len(subs)}** team(s) confirmed · teams of {rnd.team_size} "
                "(the lead first).")
    if rnd.status != "open":
        st.info("This round is closed: its teams can no longer change.")
    elif waiting:
        st.caption("techbench proposes teams for the submissions whose team is not confirmed: no reviewer from "
                   "the submission's own institution or one they declared a conflict with, only trained and "
                   "available reviewers, loads within each reviewer's maximum, institutions of different types "
                   "on a team where possible.")
        if st.button("Propose teams", key="rounds_propose", type="primary"):
            def run():
                proposal = store.propose_teams(actor, rnd.id)
                st.session_state[f"rounds_proposal_{rnd.id}"] = proposal
                return proposal
            act("rounds_propose", run, lambda p: f"Teams proposed for {len(p.teams)} submission(s): check and "
                                                 "adjust them, then confirm.")
        problem("rounds_propose")
    _proposal_notes(st.session_state.get(f"rounds_proposal_{rnd.id}"), subs)
    if members:
        _teams_table(members, subs, profiles)
        _loads(members, profiles)
    if rnd.status == "open" and waiting and any(m.status == "proposed" for m in members):
        _adjust(store, actor, rnd, waiting, subs, members, profiles)
        if st.button("Confirm teams", key="rounds_confirm", type="primary"):
            act("rounds_confirm", lambda: store.confirm_teams(actor, rnd.id),
                lambda n: f"{n} team place(s) confirmed: the reviewers now declare a conflict or none before "
                          "opening their submission.")
        problem("rounds_confirm")
    if confirmed:
        _declarations(store, actor, rnd, subs)


def _proposal_notes(proposal, subs) -> None:
    """What the last proposal could not do: teams left short, and why; teams of one institution type."""
    if proposal is None:
        return
    for short in proposal.shortfalls:
        label = subs[short.submission].label if short.submission in subs else short.submission
        why = ", ".join(f"{n} {reason}" for reason, n in short.reasons.items()) or "no reviewers at all"
        st.warning(ui.plain(f"{label}: {short.found} of {short.needed} reviewers found; not enough eligible "
                            f"reviewers ({why})"), icon=":material/group_off:")
    if proposal.single_type:
        names = "; ".join(subs[s].label if s in subs else s for s in proposal.single_type)
        st.caption(ui.plain(f"Teams from institutions of a single type (no mix was possible): {names}"))


def _teams_table(members, subs, profiles) -> None:
    teams: dict[str, list] = {}
    for m in members:
        teams.setdefault(m.submission_id, []).append(m)
    rows = []
    for sid, sub in subs.items():
        team = sorted(teams.get(sid, []), key=lambda m: m.slot)
        lead = next((m.username for m in team if m.is_lead), "")
        types = {profiles[m.username].institution_type for m in team if m.username in profiles}
        rows.append({"Submission": sub.label, "Institution type": sub.signatory_type, "Lead": lead,
                     "Other members": ", ".join(m.username for m in team if not m.is_lead),
                     "Reviewers": len(team), "Types on team": len(types),
                     "Status": team[0].status if team else "no team"})
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch", key="rounds_teams")


def _loads(members, profiles) -> None:
    load = Counter(m.username for m in members)
    rows = [{"Reviewer": name, "Institution": p.institution, "Type": p.institution_type,
             "Submissions in this round": load.get(name, 0), "Maximum": p.max_load}
            for name, p in profiles.items()]
    with st.expander("Loads per reviewer against their maximum"):
        st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch", key="rounds_loads")


def _adjust(store: ReviewStore, actor, rnd, waiting, subs, members, profiles) -> None:
    """Change one proposed team; what breaks a hard rule is shown before it can be saved."""
    with st.expander("Adjust a proposed team"):
        sid = st.selectbox("Submission", waiting, key="rounds_adjust_sub", format_func=lambda s: subs[s].label)
        current = [m.username for m in members if m.submission_id == sid]
        names = st.multiselect("Team (the first is the lead)", sorted(profiles), default=current,
                               key=f"rounds_adjust_team_{sid}")
        problems = store.check_team(rnd.id, sid, names)
        for p in problems:
            st.error(ui.plain(p), icon=":material/block:")
        if st.button("Save this team", key="rounds_adjust_save", disabled=bool(problems) or not names):
            act("rounds_adjust", lambda: store.set_team(actor, rnd.id, sid, names),
                f"Team of {subs[sid].label} saved, led by {names[0] if names else ''}.")
        problem("rounds_adjust")


def _declarations(store: ReviewStore, actor, rnd, subs) -> None:
    """Each confirmed member's declaration; a replacement for a recused member or one to remove."""
    everyone = [m for m in store.members(rnd.id, active_only=False) if m.status in ("confirmed", "recused", "removed")]
    st.markdown("**Members and their declarations**")
    st.dataframe(pl.DataFrame([{
        "Submission": subs[m.submission_id].label, "Reviewer": m.username,
        "Role": LEAD if m.slot == 0 or m.slot == -1 else MEMBER, "Status": m.status,
        "Declaration": m.declaration or "not yet declared", "Reason": m.reason or ""} for m in everyone]),
        hide_index=True, width="stretch", key="rounds_declarations")
    if rnd.status != "open":
        return
    # a recused member still holding their slot (not replaced yet), or a confirmed member to remove
    open_slots = [m for m in everyone if (m.status == "recused" and m.slot >= 0) or m.status == "confirmed"]
    if not open_slots:
        return
    with st.expander("Replace a member (recused, or to be removed)"):
        st.caption("A replacement takes the slot and its role (lead or member). The member leaving loses "
                   "access to the submission; a review they have started is kept, never discarded.")
        labels = {f"{m.submission_id}|{m.username}": m for m in open_slots}
        key = st.selectbox("Member leaving", list(labels), key="rounds_replace_leaving",
                           format_func=lambda k: f"{labels[k].username} · {subs[labels[k].submission_id].label} · "
                                                 f"{labels[k].status}")
        leaving = labels[key]
        if st.button("Propose a replacement", key="rounds_replace_propose"):
            def run():
                found = store.propose_replacement(actor, rnd.id, leaving.submission_id, leaving.username)
                st.session_state["rounds_replacement"] = (key, found)
                return found
            act("rounds_replace", run, lambda r: f"Proposed: {r.proposed}" if r.proposed else
                "No eligible reviewer is free to take this slot.")
        proposed = None
        held = st.session_state.get("rounds_replacement")
        if held and held[0] == key:
            found = held[1]
            proposed = found.proposed
            if found.shortfall is not None:
                why = ", ".join(f"{n} {r}" for r, n in found.shortfall.reasons.items()) or "no reviewers at all"
                st.warning(ui.plain(f"No replacement found ({why})."), icon=":material/group_off:")
        candidates = sorted(p.username for p in store.profiles() if p.username != leaving.username)
        joining = st.selectbox("Reviewer joining", candidates, key=f"rounds_replace_joining_{key}_{proposed}",
                               index=candidates.index(proposed) if proposed in candidates else 0)
        if st.button("Replace", key="rounds_replace_do"):
            act("rounds_replace", lambda: store.replace_member(actor, rnd.id, leaving.submission_id,
                                                               leaving.username, joining),
                f"{joining} replaces {leaving.username}; a review {leaving.username} started is kept.")
        problem("rounds_replace")
