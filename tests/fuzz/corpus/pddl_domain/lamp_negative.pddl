(define (domain lamp) (:requirements :strips :negative-preconditions)
  (:predicates (on ?l) (broken ?l))
  (:action switch-on :parameters (?l) :precondition (and (not (on ?l)) (not (broken ?l))) :effect (on ?l))
  (:action switch-off :parameters (?l) :precondition (on ?l) :effect (not (on ?l))))