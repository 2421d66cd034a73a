(define (problem trip) (:domain roads) (:objects a b c d - city)
  (:init (at a) (road a b) (road b c) (road c d) (= (length a b) 2) (= (length b c) 3) (= (length c d) 1) (= (total-cost) 0))
  (:goal (at d)) (:metric minimize (total-cost)))