"""My reviews (peer reviewers): the teams I am on in open rounds, the declaration before any access,
then the submission beside the review form (autosaved), anchored comments, submission, the other
reviews as the rubric's rule allows, and for a team's lead the reopening of reviews and the consensus.

Every rule is the store's (``dashboards.review``): this page only asks and draws. The submission's
content is read through ``dashboards.data``, which grants it only after "no conflict" is declared.
"""

import datetime as dt

import polars as pl
import streamlit as st

from dashboards import data, ui
from dashboards.review import ReviewError
from dashboards.review.scoring import ThemeScore, disagreements
from dashboards.review_session import outcome_label, review_store, rubric_note, show_report, synthetic_data
from dashboards.session import download_link, open_view

QUESTIONS = (("profile", "Institutional profile"), ("technician_definition", "Who counts as a technician"),
             ("technicians_narrative", "About the technical staff"), ("technician_voice", "How technicians had a voice"))
FREE = "Other (type where it points)"

frame = open_view("reviews")
viewer, snap, user = frame.viewer, frame.snap, frame.viewer.user
store = review_store()
rubric = store.rubric
today = dt.date.today()
rubric_note(rubric)
for kind in ("success", "error"):
    if (message := st.session_state.pop(f"reviews_{kind}", None)) is not None:
        getattr(st, kind)(ui.plain(message))


def act(action, done: str | None = None) -> None:
    """Run a store action; keep its message (or the refusal's) for the next run, then redraw."""
    try:
        action()
    except ReviewError as exc:
        st.session_state["reviews_error"] = str(exc)
    else:
        if done:
            st.session_state["reviews_success"] = done
    st.rerun()


# --- my teams --------------------------------------------------------------------------------------
tasks = []
for rnd in (r for r in store.rounds() if r.status == "open"):
    for m in store.members(rnd.id):
        if m.username != user.username or m.status != "confirmed":
            continue
        sub = store.round_submission(rnd.id, m.submission_id)
        mine = store.review(user, rnd.id, m.submission_id, user.username) if m.declaration else None
        state = "to declare" if m.declaration is None else "submitted" if mine and mine.state == "submitted" \
            else "drafting"
        agreed = state == "submitted" and getattr(store.consensus(user, rnd.id, m.submission_id), "state",
                                                  None) in ("agreed", "released")
        due = rnd.consensus_due if state == "submitted" and m.is_lead else rnd.review_due
        late = today > due and (state != "submitted" or (m.is_lead and not agreed))
        tasks.append({"key": f"{rnd.id}|{m.submission_id}", "round": rnd, "member": m, "sub": sub,
                      "Submission": sub.label, "Round": rnd.id, "Role": "lead" if m.is_lead else "reviewer",
                      "State": state, "Due": due, "Overdue": "overdue" if late else ""})
if not tasks:
    st.info("You are not on any confirmed review team in an open round. The steering group assigns teams; "
            "released feedback you may read is on the Review feedback page.")
    st.stop()
st.dataframe(pl.DataFrame([{k: t[k] for k in ("Submission", "Round", "Role", "State", "Due", "Overdue")}
                           for t in tasks]), hide_index=True, width="stretch")
by_key = {t["key"]: t for t in tasks}
key = st.selectbox("Open", list(by_key), key="reviews_task",
                   format_func=lambda k: f"{by_key[k]['Submission']} ({by_key[k]['Round']}) — {by_key[k]['State']}")
task = by_key[key]
rnd, member, sub = task["round"], task["member"], task["sub"]
rid, sid = rnd.id, sub.submission_id
prefix = f"rv_{rid}_{sid}"
st.subheader(f"{ui.plain(sub.signatory_name)}, stage {int(sub.stage)}")
st.caption(f"Round {ui.plain(rid)} · reviews due {rnd.review_due:%d %b %Y} · consensus due "
           f"{rnd.consensus_due:%d %b %Y}" + (" · you lead this team" if member.is_lead else ""))

# --- the declaration, before any access -------------------------------------------------------------
if member.declaration is None:
    st.info("Before you open this submission, declare whether you have a conflict of interest with this "
            "institution (employment, collaboration, a close relationship, anything a fair reader would see as "
            "one). You see its content only after declaring none.", icon=":material/gpp_maybe:")
    if st.button("I have no conflict of interest", type="primary", key=f"{prefix}_no_conflict"):
        act(lambda: store.declare(user, rid, sid, conflict=False), "Declared: no conflict. The submission is open.")
    with st.form(f"{prefix}_recuse"):
        reason = st.text_input("Reason (required; kept with your declared conflicts)", key=f"{prefix}_reason")
        if st.form_submit_button("Recuse"):
            act(lambda: store.declare(user, rid, sid, conflict=True, reason=reason),
                f"You recused from {sub.label}; the steering group will assign someone else.")
    st.stop()

# --- the submission, and the institution's earlier feedback -------------------------------------------
content, work = st.columns(2, gap="large")
anchors = [q for _, q in QUESTIONS]
with content:
    st.markdown("#### The submission")
    if snap is None:
        st.info("No data has been published yet, so the submission cannot be shown.")
    else:
        try:
            detail = data.submission(snap, viewer, sid)
        except data.Denied as exc:
            st.error(ui.plain(exc))
            detail = None
        if detail is not None:
            for field, question in QUESTIONS:
                with st.expander(question):
                    text = (detail.answers or {}).get(field)
                    st.markdown(ui.plain(text) if text else "*(not answered)*")
            st.markdown("##### Action plan")
            ui.action_plan(detail.actions)
            anchors += [f"Action {i}: {(a or '')[:70]}" for i, a in enumerate(detail.actions["action"].to_list(), 1)]
    earlier = [r for r in store.released(user, sub.signatory) if r.stage < sub.stage]
    if earlier:
        st.markdown("#### Feedback on this institution's earlier stages")
        for r in earlier:
            with st.expander(f"Stage {int(r.stage)} (round {ui.plain(r.round_id)})"):
                try:
                    show_report(store.report(user, r.round_id, r.submission_id, synthetic=synthetic_data()))
                except ReviewError as exc:
                    st.error(ui.plain(exc))
                    continue
                for fmt, label in (("docx", "Word"), ("pdf", "PDF")):
                    download_link(f"Download ({label})", "feedback", round_id=r.round_id,
                                  submission_id=r.submission_id, fmt=fmt)

# --- my review -------------------------------------------------------------------------------------
LEVELS = list(rubric.levels)
level_text = lambda v: f"{v} — {rubric.level(v).label}"  # noqa: E731
consensus = store.consensus(user, rid, sid)
frozen = consensus is not None and consensus.state in ("agreed", "released")


def widget(theme: str, part: str) -> str:
    return f"{prefix}_{theme}_{part}"


def autosave(theme: str) -> None:
    """on_change of every field of the form: save the theme's draft now."""
    score = ThemeScore(st.session_state.get(widget(theme, "level")), st.session_state.get(widget(theme, "strengths"))
                       or "", st.session_state.get(widget(theme, "areas")) or "")
    try:
        store.save_draft(user, rid, sid, {theme: score})
    except ReviewError as exc:
        st.session_state["reviews_error"] = str(exc)
    else:
        st.session_state[f"{prefix}_saved"] = dt.datetime.now().strftime("%H:%M:%S")


def read_only(review) -> None:
    for t in rubric.themes:
        score = review.themes.get(t.id, ThemeScore())
        level = level_text(score.level) if score.level is not None else "no level"
        st.markdown(f"**{ui.plain(t.label)}:** {ui.plain(level)}  \n*Strengths:* {ui.plain(score.strengths)}  \n"
                    f"*Areas to develop:* {ui.plain(score.areas)}")
    for c in review.comments:
        st.markdown(f"- {ui.plain(rubric.theme(c.theme).label)} · *{ui.plain(c.anchor)}:* {ui.plain(c.text)}")


reviews = store.visible_reviews(user, rid, sid)
mine = next((r for r in reviews if r.reviewer == user.username), None)
with work:
    st.markdown("#### Your review")
    if mine is not None and mine.state == "submitted" or frozen:
        st.success("Your review is submitted." if mine and mine.state == "submitted" else
                   "The consensus is agreed: reviews can no longer change.", icon=":material/task_alt:")
        if mine is not None:
            read_only(mine)
    else:
        st.caption("Every change is saved as you make it." + (f" Draft saved {st.session_state[prefix + '_saved']}."
                                                             if st.session_state.get(prefix + "_saved") else ""))
        saved = mine.themes if mine else {}
        for t in rubric.themes:
            score = saved.get(t.id, ThemeScore())
            for part, value in (("level", score.level), ("strengths", score.strengths), ("areas", score.areas)):
                st.session_state.setdefault(widget(t.id, part), value)
            # open until the theme is complete: choosing a level must not fold away its narrative
            complete = score.level is not None and score.strengths.strip() and score.areas.strip()
            with st.expander(ui.plain(t.label), expanded=not complete):
                st.caption(ui.plain(t.descriptor))
                st.radio("Level", LEVELS, key=widget(t.id, "level"), format_func=lambda v: ui.plain(level_text(v)),
                         captions=[ui.plain(s.descriptor) for s in rubric.scale], on_change=autosave, args=(t.id,),
                         index=None)
                st.text_area("Strengths", key=widget(t.id, "strengths"), on_change=autosave, args=(t.id,))
                st.text_area("Areas to develop", key=widget(t.id, "areas"), on_change=autosave, args=(t.id,))
        st.markdown("##### Comments on the plan")
        for c in mine.comments if mine else ():
            left, right = st.columns([5, 1])
            left.markdown(f"{ui.plain(rubric.theme(c.theme).label)} · *{ui.plain(c.anchor)}:* {ui.plain(c.text)}")
            if right.button("Delete", key=f"{prefix}_delete_{c.id}"):
                act(lambda c=c: store.delete_comment(user, c.id), "Comment deleted.")
        with st.form(f"{prefix}_comment", clear_on_submit=True):
            theme = st.selectbox("Theme", [t.id for t in rubric.themes], format_func=lambda i: rubric.theme(i).label)
            anchor = st.selectbox("Points to (a question or an action)", [*anchors, FREE])
            free = st.text_input("Where, if other")
            text = st.text_area("Comment")
            if st.form_submit_button("Add comment"):
                act(lambda: store.add_comment(user, rid, sid, theme, free if anchor == FREE else anchor, text),
                    "Comment added.")
        if st.button("Submit review", type="primary", key=f"{prefix}_submit"):
            problems = store.missing(mine.themes if mine else {})
            if problems:
                st.error("Before submitting, complete:\n" + "\n".join(f"- {ui.plain(p)}" for p in problems))
            else:
                act(lambda: store.submit_review(user, rid, sid), "Review submitted.")
    others = [r for r in reviews if r.reviewer != user.username]
    st.markdown("#### The other reviews")
    if not others:
        rule = {"never": "never shows you the other reviewers' scores (the lead sees them for the consensus)",
                "after_own": "shows you the other reviews once yours is submitted, as each is submitted",
                "always": "shows you the other reviews as each is submitted"}[rubric.show_others]
        st.caption(f"None to show. This round's rubric {rule}.")
    for r in others:
        with st.expander(f"{ui.plain(r.reviewer)} ({r.state})"):
            read_only(r)

if not member.is_lead:
    st.stop()

# --- the lead: reopening, and the consensus -----------------------------------------------------------
st.divider()
st.subheader("Lead: the consensus")
submitted = [r.reviewer for r in reviews if r.state == "submitted"]
if submitted and not frozen:
    who = st.selectbox("Reopen a submitted review (it goes back to draft)", submitted, key=f"{prefix}_reopen_who")
    if st.button("Reopen", key=f"{prefix}_reopen"):
        act(lambda: store.reopen_review(user, rid, sid, who), f"{who}'s review is a draft again.")
if pending := store.pending_reviews(rid, sid):
    st.info(f"The consensus opens once every review is submitted: waiting for {ui.plain(', '.join(pending))}.")
    st.stop()
if frozen:
    st.success(f"The consensus is {consensus.state}.", icon=":material/task_alt:")
    for t in rubric.themes:
        agreed = consensus.themes.get(t.id, ThemeScore())
        level = level_text(agreed.level) if agreed.level is not None else "no level"
        st.markdown(f"**{ui.plain(t.label)}:** {ui.plain(level)}  \n{ui.plain(agreed.strengths)}  \n"
                    f"{ui.plain(agreed.areas)}")
    st.markdown(f"**Outcome:** {ui.plain(consensus.outcome)}  \n{ui.plain(consensus.summary)}")
    st.stop()

flags = disagreements(reviews)
team = [r for r in reviews if r.state == "submitted"]
current = consensus.themes if consensus else {}
with st.form(f"{prefix}_consensus"):
    for t in rubric.themes:
        st.markdown(f"##### {ui.plain(t.label)}")
        if t.id in flags:
            low, high = flags[t.id]
            st.warning(f"Scores differ by {high - low} levels (from {low} to {high}): discuss before agreeing.",
                       icon=":material/flag:")
        side = [{"Reviewer": r.reviewer, "Level": (level_text(s.level) if (s := r.themes.get(t.id, ThemeScore())).level
                                                   is not None else ""), "Strengths": s.strengths,
                 "Areas to develop": s.areas} for r in team]
        st.dataframe(pl.DataFrame(side), hide_index=True, width="stretch")
        agreed = current.get(t.id, ThemeScore())
        st.selectbox("Agreed level", LEVELS, format_func=level_text, key=f"{prefix}_c_{t.id}_level",
                     index=LEVELS.index(agreed.level) if agreed.level in LEVELS else None)
        st.text_area("Agreed strengths", value=agreed.strengths, key=f"{prefix}_c_{t.id}_strengths")
        st.text_area("Agreed areas to develop", value=agreed.areas, key=f"{prefix}_c_{t.id}_areas")
    summary = st.text_area("Summary", value=consensus.summary if consensus else "", key=f"{prefix}_c_summary")
    outcomes = list(rubric.outcomes)
    outcome = st.selectbox(outcome_label(rubric), outcomes, key=f"{prefix}_c_outcome",
                           index=outcomes.index(consensus.outcome) if consensus and consensus.outcome in outcomes
                           else None)
    save, agree = st.columns(2)
    saving = save.form_submit_button("Save consensus")
    agreeing = agree.form_submit_button("Agree consensus", type="primary")
if saving or agreeing:
    themes = {t.id: ThemeScore(st.session_state[f"{prefix}_c_{t.id}_level"],
                               st.session_state[f"{prefix}_c_{t.id}_strengths"],
                               st.session_state[f"{prefix}_c_{t.id}_areas"]) for t in rubric.themes}
    act(lambda: store.save_consensus(user, rid, sid, themes=themes, summary=summary, outcome=outcome, agree=agreeing),
        "Consensus agreed: the steering group previews and releases it." if agreeing else "Consensus saved.")
